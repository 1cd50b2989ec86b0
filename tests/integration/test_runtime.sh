#!/bin/sh
# test_runtime.sh - the runtime install pipeline end to end, driving the real
# joblet and rnx against a fake GitHub (tests/fixtures/fake_registry, HTTPS
# on 127.0.0.1 with a test CA): install latest and exact versions, SemVer
# and pre-release ordering, --force, every failure the issue names (unknown
# runtime or version, checksum mismatch, 404, truncation with and without
# resume, wrong size, missing runtime.yml, recipes, unsupported platform),
# retries, ETag revalidation, concurrent installs, local and https
# registries, pack and index.  After every failure the runtimes folder holds
# no partial entry.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

SERVER="$build/tests/fixtures/fake_registry"
for so in archive_tar registry_local registry_github registry_https; do
	if ! test -f "$build/build-plugins/$so.so"; then
		echo "ok - runtime installs # SKIP plugin $so is not built (configure disabled it)"
		exit 0
	fi
done
if ! sh "$src/tests/fixtures/make-test-certs.sh" "$TMP/certs" >"$TMP/certs.log" 2>&1; then
	echo "ok - runtime installs # SKIP no certtool (apt-get install gnutls-bin)"
	exit 0
fi
WWW="$TMP/www"
RT="$TMP/runtimes"
mkdir -p "$WWW/releases" "$WWW/acme/runtimes/main" "$WWW/acme/broken/main" "$WWW/org" "$TMP/src"
: >"$WWW/.faults"

"$SERVER" --cert "$TMP/certs/server.pem" --key "$TMP/certs/server-key.pem" --root "$WWW" \
	--port-file "$TMP/port" --log "$TMP/access.log" 2>"$TMP/server.err" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; tap_exit' EXIT
i=0
while ! test -s "$TMP/port" && test $i -lt 100; do sleep 0.05; i=`expr $i + 1`; done
PORT=`cat "$TMP/port"`
BASE="https://127.0.0.1:$PORT"
ok 'test -n "$PORT"' "the fake GitHub listens on 127.0.0.1:$PORT"

cat >"$TMP/joblet.yml" <<EOC
plugins:
  dirs: [$build/build-plugins]
  settings:
    registry/github:
      raw_base: $BASE
      ca_file: $TMP/certs/ca.pem
      retries: 2
      stall_timeout: 10s
    registry/https:
      ca_file: $TMP/certs/ca.pem
      retries: 2
paths:
  state_dir: $TMP/state
runtimes:
  dir: $RT
  registry: acme/runtimes
  platform: ubuntu-amd64
  index_ttl: 0
EOC
JOBLET_CONFIG="$TMP/joblet.yml"
export JOBLET_CONFIG

# A runtime folder NAME-VERSION with some files; PLATFORMS goes into runtime.yml.
mkrt() { # name version [platforms-yaml-list]
	d="$TMP/src/$1-$2"
	mkdir -p "$d/isolated/bin" "$d/isolated/lib"
	{
		echo "name: $1"
		echo "version: \"$2\""
		echo "description: $1 version $2"
		test -n "${3:-}" && echo "platforms: [$3]"
		echo "mounts:"
		echo "  - {source: isolated/bin, target: /opt/$1/bin}"
		echo "  - {source: isolated/lib, target: /opt/$1/lib, readonly: true}"
		echo "environment:"
		echo "  RT_NAME: $1"
	} >"$d/runtime.yml"
	printf '#!/bin/sh\necho %s %s\n' "$1" "$2" >"$d/isolated/bin/run"
	chmod 755 "$d/isolated/bin/run"
	head -c 300000 /dev/urandom >"$d/isolated/lib/blob"
	ln -sf run "$d/isolated/bin/alias"
}

# no partial runtime: the runtimes folder holds exactly the listed folders, staging is empty
only_installed() { # expected folder names...
	want=`printf '%s\n' "$@" | sort | tr '\n' ' '`
	have=`ls "$RT" 2>/dev/null | sort | tr '\n' ' '`
	stage=`ls -A "$RT/.staging" 2>/dev/null | tr '\n' ' '`
	test "$have" = "$want" && test -z "$stage"
}

# ---------------------------------------------------------------- pack + index
for v in 1.9.0 1.10.0 2.0.0-rc1 2.0.0; do mkrt py "$v"; done
mkrt jdk 1.0.0
mkrt rhelonly 1.0.0 rhel-amd64
for d in "$TMP"/src/*; do
	"$JOBLET" runtime pack "$d" -o "$WWW/releases" >/dev/null 2>"$TMP/pack.err" || cat "$TMP/pack.err"
done
sleep 1.1 # a later second: nothing of the clock may end up in the package
run "$JOBLET" runtime pack "$TMP/src/py-2.0.0" -o "$TMP/again.tar.gz"
ok 'test $rc -eq 0 && cmp -s "$TMP/again.tar.gz" "$WWW/releases/py-2.0.0.tar.gz"' \
	"pack is reproducible: the same folder gives the same bytes"
run "$JOBLET" runtime index "$WWW/releases" --base-url "$BASE/releases"
ok 'test $rc -eq 0 && has "3 runtimes, 6 versions" "$out"' "index writes registry.json for every package ($out)"
cp "$WWW/releases/registry.json" "$WWW/acme/runtimes/main/registry.json"
ok 'grep -q "\"download_url\": \"$BASE/releases/py-1.10.0.tar.gz\"" "$WWW/releases/registry.json" && grep -q "\"checksum\": \"sha256:" "$WWW/releases/registry.json"' \
	"index has download URLs and checksums"

# ---------------------------------------------------------------- latest, exact, list, info
run "$JOBLET" runtime install py
ok 'test $rc -eq 0 && has "installed py 2.0.0 at $RT/py-2.0.0" "$out"' \
	"install without @ takes the highest SemVer (2.0.0 over 2.0.0-rc1 and 1.10.0)"
ok 'test -x "$RT/py-2.0.0/isolated/bin/run" && test -L "$RT/py-2.0.0/isolated/bin/alias" && cmp -s "$RT/py-2.0.0/isolated/lib/blob" "$TMP/src/py-2.0.0/isolated/lib/blob"' \
	"the runtime's files, modes and links arrive intact"
run "$JOBLET" runtime install py@2.0.0-rc1
ok 'test $rc -eq 0 && has "installed py 2.0.0-rc1" "$out"' "an exact pre-release installs"
before=`stat -c %i "$RT/py-2.0.0"`
run "$JOBLET" runtime install py@latest --registry=acme/runtimes
ok 'test $rc -eq 0 && has "py 2.0.0 is already installed at $RT/py-2.0.0 (--force installs it again)" "$out" && test "`stat -c %i $RT/py-2.0.0`" = "$before"' \
	"an installed version is left as it is, said so, with exit 0 (scripts install idempotently)"
run "$JOBLET" --json runtime install py@2.0.0
ok 'test $rc -eq 0 && has "\"already_installed\": true" "$out" && has "\"replaced\": false" "$out"' \
	"... and --json says so (already_installed)"
run "$JOBLET" runtime install py@2.0.0 --force
ok 'test $rc -eq 0 && has "reinstalled py 2.0.0" "$out" && test "`stat -c %i $RT/py-2.0.0`" != "$before"' \
	"--force replaces it"
ok 'only_installed py-2.0.0 py-2.0.0-rc1' "the runtimes folder holds exactly the installed versions"
# rnx asks the node's daemon, which runs the same pipeline and streams its progress.
if DAEMON_BASE_YML="$TMP/joblet.yml" start_daemon; then
	# Registry and archive plugins (libcurl, libarchive) stay out of the
	# daemon until an install or a registry listing needs them.
	ok '! grep -qE "libarchive|libcurl" /proc/$DAEMON_PID/maps && grep -q "plugin archive/tar .* from" "$DLOG"' \
		"the daemon checks the registry and archive plugins at start (in a child) but does not load them"
	kurl reader "$URL/v1/plugins"
	ok 'test "$code" = 200 && has "\"id\":\"archive/tar\"" "$out" && has "\"id\":\"registry/https\"" "$out" && has "\"id\":\"isolation/none\"" "$out" && ! grep -qE "libarchive|libcurl" /proc/$DAEMON_PID/maps' \
		"... /v1/plugins lists them all the same, without loading them"
	RNX_CONFIG=$CERTS/rnx-config-developer.yml run "$RNX" runtime install py@1.10.0
	ok 'test $rc -eq 1 && has "role developer may not POST /v1/runtimes/install; it needs maintainer" "$err"' \
		"rnx runtime install needs the maintainer role"
	RNX_CONFIG=$CERTS/rnx-config-maintainer.yml run "$RNX" runtime install py@1.10.0
	ok 'test $rc -eq 0 && has "installed py 1.10.0 at $RT/py-1.10.0" "$out" && test -d "$RT/py-1.10.0"' \
		"rnx runtime install installs through the daemon and prints what joblet prints"
	ok 'grep -q libarchive /proc/$DAEMON_PID/maps' "... the install loaded the archive plugin"
	RNX_CONFIG=$CERTS/rnx-config-maintainer.yml run "$RNX" runtime install nosuch
	ok 'test $rc -eq 1 && has "runtime '"'"'nosuch'"'"' not found in registry" "$err"' \
		"an install error of the daemon reaches rnx with the registry guide's wording"
	RNX_CONFIG=$CERTS/rnx-config-maintainer.yml run "$RNX" runtime install py@1.10.0
	ok 'test $rc -eq 0 && has "py 1.10.0 is already installed at $RT/py-1.10.0" "$out"' \
		"an installed version is left as it is through the daemon too, with exit 0"
	RNX_CONFIG=$CERTS/rnx-config-reader.yml run "$RNX" runtime list
	ok 'test $rc -eq 0 && has "py-1.10.0" "$out" && has "py-2.0.0" "$out"' "rnx runtime list shows the node's runtimes"
	RNX_CONFIG=$CERTS/rnx-config-reader.yml run "$RNX" runtime info py@1.10.0
	ok 'test $rc -eq 0 && has "isolated/bin -> /opt/py/bin (read-only)" "$out"' "rnx runtime info"
	RNX_CONFIG=$CERTS/rnx-config-reader.yml run "$RNX" runtime list --registry
	ok 'test $rc -eq 0 && has "registry acme/runtimes" "$out" && has "1.10.0 (installed)" "$out"' \
		"rnx runtime list --registry shows what the node's registry offers"
	# Another registry is a host, port or folder the daemon (root) fetches or
	# reads: a reader may name only those of joblet.yml, and learns nothing of
	# what is there.
	: >"$TMP/access.log"
	kurl reader --get --data-urlencode "registry=/root" "$URL/v1/runtimes"
	ok 'test "$code" = 403 && has "role reader may name only the registries of joblet.yml" "$out" && has "needs maintainer or above" "$out" && has "runtimes.allowed_registries" "$out"' \
		"a reader naming a local folder (registry=/root) gets 403 saying what is needed"
	root_answer=`printf '%s' "$out" | sed 's|/root||'`
	kurl reader --get --data-urlencode "registry=/nonexistent-joblet-reg" "$URL/v1/runtimes"
	ok 'test "$code" = 403 && test "`printf "%s" "$out" | sed "s|/nonexistent-joblet-reg||"`" = "$root_answer"' \
		"the answer is the same for a folder that does not exist: it reveals nothing"
	kurl reader --get --data-urlencode "registry=$BASE/org" "$URL/v1/runtimes"
	ok 'test "$code" = 403 && has "needs maintainer or above" "$out"' \
		"a reader naming an https registry not in joblet.yml gets 403"
	kurl developer --get --data-urlencode "registry=$BASE/org" "$URL/v1/runtimes"
	ok 'test "$code" = 403' "so does a developer"
	RNX_CONFIG=$CERTS/rnx-config-reader.yml run "$RNX" runtime list --registry "$BASE/org"
	ok 'test $rc -eq 1 && has "needs maintainer or above" "$err"' "rnx says so too"
	ok '! grep -q "/org/" "$TMP/access.log"' "and the daemon fetched nothing for them"
	kurl reader --get --data-urlencode "registry=acme/runtimes" "$URL/v1/runtimes"
	ok 'test "$code" = 200 && has "\"registry\":\"acme/runtimes\"" "$out"' \
		"a reader may name runtimes.registry itself"
	cp "$WWW/releases/registry.json" "$WWW/org/registry.json"
	kurl maintainer --get --data-urlencode "registry=$BASE/org" "$URL/v1/runtimes"
	ok 'test "$code" = 200 && has "\"name\":\"py\"" "$out" && grep -q "GET /org/registry.json" "$TMP/access.log"' \
		"a maintainer may name another registry"
	kurl developer -X POST -H 'Content-Type: application/json' \
		-d '{"spec": "py@1.9.0", "registry": "/root"}' "$URL/v1/runtimes/install"
	ok 'test "$code" = 403 && has "needs maintainer" "$out"' "install, with its registry field, still needs maintainer"
	stop_daemon
	# runtimes.allowed_registries opens more registries to every role.
	sed "s|^  index_ttl: 0|  index_ttl: 0\\
  allowed_registries: [\"$BASE/org/\", $TMP/localreg]|" "$TMP/joblet.yml" >"$TMP/allow.yml"
	if DAEMON_BASE_YML="$TMP/allow.yml" start_daemon; then
		kurl reader --get --data-urlencode "registry=$BASE/org" "$URL/v1/runtimes"
		ok 'test "$code" = 200 && has "\"name\":\"py\"" "$out"' \
			"a registry of runtimes.allowed_registries works for a reader (a trailing / aside)"
		kurl reader --get --data-urlencode "registry=/root" "$URL/v1/runtimes"
		ok 'test "$code" = 403' "one not in the list is still refused"
		stop_daemon
	else
		echo "not ok - the daemon with runtimes.allowed_registries did not start"
	fi
else
	echo "not ok - the daemon for rnx runtime did not start"
fi
run "$JOBLET" runtime list
ok 'test $rc -eq 0 && test "$out" = "py-1.10.0
py-2.0.0-rc1
py-2.0.0"' "runtime list shows versions side by side, in SemVer order"
run "$JOBLET" runtime info py@1.10.0
ok 'test $rc -eq 0 && has "isolated/bin -> /opt/py/bin (read-only)" "$out" && has "RT_NAME=py" "$out"' \
	"runtime info shows mounts and environment"
sha=`sha256sum "$WWW/releases/py-1.10.0.tar.gz" | cut -d' ' -f1`
size=`stat -c %s "$WWW/releases/py-1.10.0.tar.gz"`
ok 'has "registry:    acme/runtimes" "$out" && has "source:      $BASE/releases/py-1.10.0.tar.gz" "$out" && has "sha256:      $sha" "$out" && has "size:        $size bytes" "$out" && has "installed:   20" "$out"' \
	"runtime info says where it came from: registry, URL, SHA-256, size and when (installed through the daemon)"
ok 'test "`stat -c %a $TMP/state`" = 700' "the state folder (index cache) is private (0700)"
run "$JOBLET" runtime info py@latest
ok 'test $rc -eq 0 && has "py 2.0.0" "$out" && ! has "py 1.10.0" "$out"' "info NAME@latest shows the newest installed version only"
run "$JOBLET" runtime info --json py@1.10.0
ok 'test $rc -eq 0 && has "\"version\": \"1.10.0\"" "$out"' "--json may come before the spec"
run "$JOBLET" runtime list --registry acme/runtimes
ok 'test $rc -eq 0 && has "registry acme/runtimes" "$out"' "list --registry SPEC (with a space) works"
run "$JOBLET" runtime install --registry
ok 'test $rc -eq 2 && has "needs a value" "$err"' "install --registry without a value is a usage error"
run "$JOBLET" runtime pack "$TMP/src/py-2.0.0" -o "$TMP/src/py-2.0.0/isolated"
ok 'test $rc -eq 1 && has "inside the folder being packed" "$err" && ! ls "$TMP/src/py-2.0.0/isolated/"*.tar.gz* >/dev/null 2>&1' \
	"pack refuses to write the package into the folder it packs"
run "$JOBLET" runtime list --registry
ok 'test $rc -eq 0 && has "py: 2.0.0 (installed), 2.0.0-rc1 (installed), 1.10.0 (installed), 1.9.0" "$out" && has "rhelonly: 1.0.0 (not for this host)" "$out"' \
	"list --registry shows what the registry offers, newest first, and what fits this host"

# ---------------------------------------------------------------- failures the guide names
run "$JOBLET" runtime install nope
ok 'test $rc -eq 1 && has "runtime '"'"'nope'"'"' not found in registry" "$err" && has "it has: jdk, py, rhelonly" "$err"' \
	"an unknown runtime lists the names the registry has"
run "$JOBLET" runtime install py@3.1.4
ok 'test $rc -eq 1 && has "version '"'"'3.1.4'"'"' not found for runtime '"'"'py'"'"'" "$err" && has "2.0.0, 2.0.0-rc1, 1.10.0, 1.9.0" "$err"' \
	"an unknown version lists the versions"
run "$JOBLET" runtime install rhelonly
ok 'test $rc -eq 1 && has "(ubuntu-amd64)" "$err" && has "rhel-amd64" "$err"' \
	"an unsupported platform is refused with the supported ones"
run "$JOBLET" runtime install 'Bad Name'
ok 'test $rc -eq 1 && has "invalid" "$err"' "a malformed spec is refused before any download"
run "$JOBLET" runtime install py --registry=acme/missing
ok 'test $rc -eq 1 && has "failed to fetch registry \`acme/missing\`" "$err" && has "HTTP 404: 404 Not Found" "$err"' \
	"a missing registry: failed to fetch registry ... HTTP 404: 404 Not Found"
ok 'only_installed py-1.10.0 py-2.0.0 py-2.0.0-rc1' "nothing partial after those failures"

# A second repository whose index lies in every way; the packages are real.
sum() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
P="$WWW/releases/jdk-1.0.0.tar.gz"
mkdir -p "$TMP/norml/isolated" "$TMP/recipe"
echo hi >"$TMP/norml/isolated/file"
tar -czf "$WWW/releases/noyml-1.0.0.tar.gz" -C "$TMP" norml
printf '#!/bin/sh\nexit 0\n' >"$TMP/recipe/setup.sh"
tar -czf "$WWW/releases/recipe-1.0.0.tar.gz" -C "$TMP" recipe
entry() { # name version url sha size
	printf '"%s": {"1.0.0": {"download_url": "%s", "checksum": "sha256:%s", "size": %s, "platforms": ["ubuntu-amd64"]}}' \
		"$1" "$3" "$4" "$5"
}
{
	echo '{"version": "1", "runtimes": {'
	entry badsum 1.0.0 "$BASE/releases/jdk-1.0.0.tar.gz" \
		0000000000000000000000000000000000000000000000000000000000000000 "`size $P`"
	echo ','
	entry gone 1.0.0 "$BASE/releases/gone-1.0.0.tar.gz" "`sum $P`" "`size $P`"
	echo ','
	entry toosmall 1.0.0 "$BASE/releases/jdk-1.0.0.tar.gz" "`sum $P`" "`expr \`size $P\` - 10`"
	echo ','
	entry toobig 1.0.0 "$BASE/releases/jdk-1.0.0.tar.gz" "`sum $P`" "`expr \`size $P\` + 10`"
	echo ','
	entry noyml 1.0.0 "$BASE/releases/noyml-1.0.0.tar.gz" "`sum $WWW/releases/noyml-1.0.0.tar.gz`" \
		"`size $WWW/releases/noyml-1.0.0.tar.gz`"
	echo ','
	entry recipe 1.0.0 "$BASE/releases/recipe-1.0.0.tar.gz" "`sum $WWW/releases/recipe-1.0.0.tar.gz`" \
		"`size $WWW/releases/recipe-1.0.0.tar.gz`"
	echo ','
	entry jdk 1.0.0 "$BASE/releases/jdk-1.0.0.tar.gz" "`sum $P`" "`size $P`"
	echo '}}'
} >"$WWW/acme/broken/main/registry.json"

run "$JOBLET" runtime install badsum --registry=acme/broken
ok 'test $rc -eq 1 && has "checksum mismatch for badsum 1.0.0: the registry index says sha256:0000" "$err" && has "the download is sha256:`sum $P`" "$err"' \
	"checksum mismatch names the expected and the actual sum"
ok 'only_installed py-1.10.0 py-2.0.0 py-2.0.0-rc1 && ! ls -A "$RT" | grep -q badsum' \
	"a checksum mismatch (found after the package was unpacked) leaves no runtime, no partial files, no staging folder"
run "$JOBLET" runtime install gone --registry=acme/broken
ok 'test $rc -eq 1 && has "HTTP 404: 404 Not Found" "$err" && has "gone-1.0.0.tar.gz" "$err"' \
	"a missing package: HTTP 404: 404 Not Found"
run "$JOBLET" runtime install toosmall --registry=acme/broken
ok 'test $rc -eq 1 && has "larger than the" "$err" && has "bytes the registry index announces" "$err"' \
	"a package larger than the index's size is stopped"
run "$JOBLET" runtime install toobig --registry=acme/broken
ok 'test $rc -eq 1 && has "ended after" "$err" && has "but the registry index announces" "$err"' \
	"a package shorter than the index's size fails"
run "$JOBLET" runtime install noyml --registry=acme/broken
ok 'test $rc -eq 1 && has "has no runtime.yml" "$err"' "a package without runtime.yml is refused"
run "$JOBLET" runtime install recipe --registry=acme/broken
ok 'test $rc -eq 1 && has "recipe package (setup.sh, no runtime.yml)" "$err"' \
	"a recipe package is refused with a clear message"
ok 'only_installed py-1.10.0 py-2.0.0 py-2.0.0-rc1' "no partial runtime after any of those"

# runtimes.max_unpacked_bytes: py unpacks to about 300 kB.
sed 's|^  index_ttl: 0|  index_ttl: 0\
  max_unpacked_bytes: 100KiB|' "$TMP/joblet.yml" >"$TMP/small.yml"
JOBLET_CONFIG="$TMP/small.yml" run "$JOBLET" runtime install py@1.9.0
ok 'test $rc -eq 1 && has "installing py 1.9.0: the package unpacks to more than 102400 bytes" "$err" && has "runtimes.max_unpacked_bytes" "$err"' \
	"a package that unpacks to more than runtimes.max_unpacked_bytes is refused, naming the setting"
ok 'only_installed py-1.10.0 py-2.0.0 py-2.0.0-rc1' "and leaves nothing behind"

# ---------------------------------------------------------------- the network misbehaving
J=/releases/jdk-1.0.0.tar.gz
echo "$J truncate 20000 1" >"$WWW/.faults"
run "$JOBLET" runtime install jdk
ok 'test $rc -eq 0 && has "installed jdk 1.0.0" "$out"' "a download cut off once is resumed and installs"
ok 'grep -q "GET $J 206 range=bytes=20000-" "$TMP/access.log"' "the resume asked for bytes=20000- (Range)"
ok 'test -s "$RT/.installed/jdk-1.0.0.json"' "an install keeps its record beside the runtime"
run "$JOBLET" runtime remove jdk
ok 'test $rc -eq 0 && ! test -e "$RT/.installed/jdk-1.0.0.json"' "a removal takes the record along"
printf '%s norange\n%s truncate 25000 1\n' "$J" "$J" >"$WWW/.faults"
: >"$TMP/access.log"
run "$JOBLET" runtime install jdk
ok 'test $rc -eq 0 && test `grep -c "GET $J 200" "$TMP/access.log"` -eq 2' \
	"a server without ranges: the download starts over and skips what was delivered"
run "$JOBLET" runtime remove jdk
echo "$J truncate 30000" >"$WWW/.faults"
run "$JOBLET" runtime install jdk
ok 'test $rc -eq 1 && has "jdk-1.0.0.tar.gz" "$err" && has "after 90000 of" "$err" && has "transfer closed" "$err"' \
	"a server that keeps closing mid-transfer fails after the retries"
ok 'only_installed py-1.10.0 py-2.0.0 py-2.0.0-rc1' "and leaves nothing behind"
echo "/acme/runtimes/main/registry.json status 503 2" >"$WWW/.faults"
run "$JOBLET" runtime install jdk
ok 'test $rc -eq 0 && test `grep -c "GET /acme/runtimes/main/registry.json 503" "$TMP/access.log"` -eq 2' \
	"HTTP 503 twice is retried (with backoff) and the install goes through"
mkdir -p "$WWW/acme/huge/main"
head -c 17000000 /dev/zero | tr '\0' ' ' >"$WWW/acme/huge/main/registry.json"
run "$JOBLET" runtime install py --registry=acme/huge
ok 'test $rc -eq 1 && has "failed to fetch registry" "$err" && has "more than the 16777216 bytes allowed" "$err"' \
	"an index larger than 16 MiB is refused as too large, not read whole"
echo "/acme/runtimes/main/registry.json status 500" >"$WWW/.faults"
run "$JOBLET" runtime install py@1.9.0
ok 'test $rc -eq 1 && has "failed to fetch registry" "$err" && has "HTTP 500: 500 Internal Server Error" "$err"' \
	"a registry that keeps failing: failed to fetch registry, with the status"
: >"$WWW/.faults"

# ---------------------------------------------------------------- the index cache
: >"$TMP/access.log"
run "$JOBLET" runtime list --registry
ok 'test $rc -eq 0 && grep -q "GET /acme/runtimes/main/registry.json 304 range=- inm=\"" "$TMP/access.log"' \
	"the index is revalidated with its ETag (304 Not Modified)"
sed 's/index_ttl: 0/index_ttl: 1h/' "$TMP/joblet.yml" >"$TMP/ttl.yml"
: >"$TMP/access.log"
JOBLET_CONFIG="$TMP/ttl.yml" run "$JOBLET" runtime list --registry
ok 'test $rc -eq 0 && ! grep -q registry.json "$TMP/access.log"' "within index_ttl the cached index is used without asking"

# ---------------------------------------------------------------- concurrent installs
"$JOBLET" runtime install py@1.9.0 >"$TMP/c1.out" 2>&1 &
a=$!
"$JOBLET" runtime install py@1.9.0 >"$TMP/c2.out" 2>&1 &
b=$!
"$JOBLET" runtime install jdk@1.0.0 --force >"$TMP/c3.out" 2>&1 &
c=$!
wait $a; ra=$?
wait $b; rb=$?
wait $c; rc3=$?
ok 'test `expr $ra + $rb` -eq 0 && grep -q "already installed" "$TMP/c1.out" "$TMP/c2.out" && grep -q "^installed py 1.9.0" "$TMP/c1.out" "$TMP/c2.out"' \
	"two installs of the same runtime at once: one installs, the other finds it installed (both exit 0)"
ok 'test $rc3 -eq 0' "an install of another runtime at the same time goes through"
ok 'only_installed jdk-1.0.0 py-1.10.0 py-1.9.0 py-2.0.0 py-2.0.0-rc1' "and the runtimes folder is consistent"

# ---------------------------------------------------------------- other registries
cp "$WWW/releases/py-1.9.0.tar.gz" "$WWW/releases/jdk-1.0.0.tar.gz" "$TMP/src/" 2>/dev/null
mkdir -p "$TMP/localreg"
cp "$WWW/releases/py-1.9.0.tar.gz" "$TMP/localreg/"
run "$JOBLET" runtime index "$TMP/localreg" --platforms ubuntu-amd64,rhel-amd64
ok 'test $rc -eq 0 && grep -q "\"download_url\": \"py-1.9.0.tar.gz\"" "$TMP/localreg/registry.json"' \
	"index without --base-url writes relative URLs (for folders)"
run "$JOBLET" runtime remove py@1.9.0
run "$JOBLET" runtime install py --registry="$TMP/localreg"
ok 'test $rc -eq 0 && has "installed py 1.9.0" "$out"' "a local folder registry installs (air-gapped)"
# A local registry cannot make joblet read files outside its folder.
mkdir -p "$TMP/evilreg"
ln -s /etc/hostname "$TMP/evilreg/link.tar.gz"
esum=`sum /etc/hostname`
esize=`size /etc/hostname`
{
	echo '{"version": "1", "runtimes": {'
	entry abs 1.0.0 /etc/hostname "$esum" "$esize"
	echo ','
	entry up 1.0.0 ../../etc/hostname "$esum" "$esize"
	echo ','
	entry viafile 1.0.0 file:///etc/hostname "$esum" "$esize"
	echo ','
	entry vialink 1.0.0 link.tar.gz "$esum" "$esize"
	echo '}}'
} >"$TMP/evilreg/registry.json"
for n in abs up viafile vialink; do
	run "$JOBLET" runtime install $n --registry="$TMP/evilreg"
	ok 'test $rc -eq 1 && { has "outside the registry folder" "$err" || has "leaves the registry folder" "$err" || has "Operation not permitted" "$err" || has "Too many levels" "$err"; }' \
		"a local registry's download_url cannot reach outside its folder ($n)"
done
cp "$WWW/releases/registry.json" "$WWW/org/registry.json"
run "$JOBLET" runtime install py@2.0.0 --force --registry="$BASE/org"
ok 'test $rc -eq 0 && has "reinstalled py 2.0.0" "$out"' "an https:// registry installs"

# ---------------------------------------------------------------- the index cache is bounded
# Every registry named leaves a copy of its index; at most
# runtimes.index_cache_entries (16) stay, the most recently used.
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	mkdir -p "$TMP/many/$i"
	cp "$TMP/localreg/registry.json" "$TMP/many/$i/"
	"$JOBLET" runtime list --registry "$TMP/many/$i" >/dev/null 2>"$TMP/many.err" || cat "$TMP/many.err"
done
ok 'test `ls "$TMP/state/cache/registries" | grep -c "\.json$"` -eq 16' \
	"20 more registries listed: the index cache keeps 16 (runtimes.index_cache_entries)"

# ---------------------------------------------------------------- remove
run "$JOBLET" runtime remove py@latest
ok 'test $rc -eq 0 && has "removed py 2.0.0 " "$out" && ! has "rc1" "$out" && test -d "$RT/py-2.0.0-rc1"' \
	"remove NAME@latest removes the newest installed version only"
run "$JOBLET" runtime remove py@2.0.0-rc1
ok 'test $rc -eq 0 && has "removed py 2.0.0-rc1" "$out" && ! test -e "$RT/py-2.0.0-rc1"' "remove NAME@VERSION removes one version"
run "$JOBLET" runtime remove py
ok 'test $rc -eq 0 && test `printf "%s\n" "$out" | grep -c "^removed py "` -eq 2' "remove NAME removes every version"
run "$JOBLET" runtime remove py
ok 'test $rc -eq 1 && has "is not installed" "$err"' "removing what is not installed says so"
ok 'only_installed jdk-1.0.0' "only the other runtime is left"

# ---------------------------------------------------------------- libcurl missing
# registry/github and registry/https link libcurl; nothing else joblet runs
# does.  Hidden (a private mount namespace binds /dev/null over each libcurl
# the dynamic linker knows), those two plugins are rejected with the
# loader's reason, joblet still starts, a download fails cleanly, and what
# does not download still works.  Not under valgrind: glibc's dynamic linker
# itself loses a path string when a dlopen() fails that way
# (_dl_map_object), a "definite leak" of no use here.
cat >"$TMP/nocurl.sh" <<'EOS'
for l in `ldconfig -p | sed -n 's/^[[:space:]]*libcurl.* => //p'`; do
	mount --bind /dev/null "$l" || exit 97
done
exec "$@"
EOS
if test "`id -u`" -ne 0 || ! command -v unshare >/dev/null 2>&1 ||
	! unshare -m true 2>/dev/null || ! ldconfig -p 2>/dev/null | grep -q libcurl; then
	echo "ok - without libcurl the registry plugins that link it are rejected # SKIP needs root, unshare -m and ldconfig"
else
	run unshare -m sh "$TMP/nocurl.sh" "$build/joblet" check
	ok 'has "registry_github.so" "$out" && has "registry_https.so" "$out" && has "dlopen failed: " "$out" && has "libcurl" "$out" && has "to see missing libraries" "$out"' \
		"without libcurl the registry plugins that link it are rejected, naming the library"
	run unshare -m sh "$TMP/nocurl.sh" "$build/joblet" runtime install py@1.9.0
	ok 'test $rc -eq 1 && has "failed to fetch registry \`acme/runtimes\`: no registry plugin takes it" "$err" && has "see \`joblet check\`" "$err"' \
		"without libcurl a download fails cleanly, pointing to joblet check, and nothing crashes"
	run unshare -m sh "$TMP/nocurl.sh" "$build/joblet" runtime list
	ok 'test $rc -eq 0 && has "jdk-1.0.0" "$out"' "without libcurl everything that does not download still works"
	ok 'only_installed jdk-1.0.0' "and nothing is left behind"
fi
