#!/bin/sh
# test_cli.sh - rnx and joblet as a user types them: help, versions, plugin
# listings, joblet check, configuration errors, rnx nodes.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

version=`sed -n 's/^#define JOBLET_VERSION_STRING "\(.*\)"/\1/p' "$build/include/joblet/version.h"`
abi=`sed -n 's/^#define JOBLET_PLUGIN_ABI_STRING "\(.*\)"/\1/p' "$build/include/joblet/version.h"`
tar_built=no
test -f "$build/build-plugins/archive_tar.so" && tar_built=yes

# ---------------------------------------------------------------- help and usage
run "$RNX" --help
ok 'test $rc -eq 0 && has "Commands:" "$out" && has "plugins" "$out" && has "--config FILE" "$out"' \
	"rnx --help lists commands and global options"
run "$RNX"
ok 'test $rc -eq 2 && has "Usage: rnx" "$err"' "rnx without a command is a usage error (2)"
run "$RNX" frobnicate
ok 'test $rc -eq 2 && has "\`frobnicate\` is not a command; run \`rnx --help\`" "$err"' \
	"an unknown command says how to see the commands"
run "$RNX" --bogus version
ok 'test $rc -eq 2 && has "unknown option \`--bogus\`" "$err"' "an unknown global option is refused"
run "$RNX" plugins --help
ok 'test $rc -eq 0 && has "Usage: rnx plugins" "$out" && has "list" "$out"' "rnx plugins --help"
run "$RNX" help plugins list
ok 'test $rc -eq 0 && has "Usage: rnx plugins list [--json]" "$out"' "rnx help plugins list"
run "$RNX" plugins list --frob
ok 'test $rc -eq 2 && has "unknown option \`--frob\`" "$err"' "a leaf refuses unknown options"
run "$RNX" --config
ok 'test $rc -eq 2 && has "--config needs a value" "$err"' "--config without a value"
run "$JOBLET" --help
ok 'test $rc -eq 0 && has "serve" "$out" && has "check" "$out" && has "version" "$out"' \
	"joblet --help lists serve, check, version"
run "$JOBLET" check --help
ok 'test $rc -eq 0 && has "Usage: joblet check [--json]" "$out" && has "Exit status" "$out"' \
	"joblet check --help"
run "$JOBLET" nonsense
ok 'test $rc -eq 2 && has "\`nonsense\` is not a command" "$err"' "joblet refuses unknown commands"

# ---------------------------------------------------------------- versions
run "$RNX" version
ok 'test $rc -eq 0 && test "$out" = "rnx $version (plugin ABI $abi)"' "rnx version"
run "$RNX" --version
ok 'test $rc -eq 0 && test "$out" = "rnx $version (plugin ABI $abi)"' "rnx --version"
run "$RNX" version --json
ok 'test $rc -eq 0 && has "\"client\": \"$version\"" "$out" && has "\"plugin_abi\": \"$abi\"" "$out"' \
	"rnx version --json"
run "$JOBLET" version
ok 'test $rc -eq 0 && has "joblet $version (plugin ABI $abi" "$out"' "joblet version"

# ---------------------------------------------------------------- plugins list
# rnx asks the node's daemon (GET /v1/plugins).
write_config "$TMP/joblet.yml"
JOBLET_CONFIG="$TMP/joblet.yml"
export JOBLET_CONFIG
start_daemon || exit 1
RNX_CONFIG=$CERTS/rnx-config-reader.yml
export RNX_CONFIG
run "$RNX" plugins list
ok 'test $rc -eq 0 && has "KIND" "$out" && has "SUMMARY" "$out"' "rnx plugins list prints a table of the node's plugins"
ok 'has "isolation  none" "$out" && has "[builtin]" "$out" && has "scheduler  fifo" "$out"' \
	"builtins are listed and marked"
if test $tar_built = yes; then
	ok 'printf "%s\\n" "$out" | grep -Eq "^archive +tar +1\\.0\\.0 "' "the built archive/tar plugin is listed with its version"
	ok '! has "Rejected" "$out"' "nothing is rejected from the build tree"
fi
run "$RNX" plugins list --json
ok 'test $rc -eq 0 && has "\"id\": \"scheduler/fifo\"" "$out" && ! has "\"reason\"" "$out"' \
	"rnx plugins list --json"
run "$RNX" --json plugins list
ok 'test $rc -eq 0 && has "\"plugins\": [" "$out"' "--json also works before the command"
stop_daemon

mkdir -p "$TMP/bad"
printf 'not a plugin\n' >"$TMP/bad/archive_fake.so"
chmod 666 "$TMP/bad/archive_fake.so"
printf 'x' >"$TMP/bad/whatever.so"
EXTRA_PLUGIN_DIRS=", $TMP/bad, $TMP/absent" start_daemon || exit 1
run "$RNX" plugins list
ok 'test $rc -eq 0 && has "Rejected (3):" "$out"' "rejected plugins are listed; the daemon serves regardless"
ok 'has "archive_fake.so" "$out" && has "world-writable" "$out"' "a world-writable plugin is rejected with the reason"
ok 'has "whatever.so" "$out" && has "not <kind>_<name>.so" "$out"' "a badly named file is rejected with the reason"
ok 'has "$TMP/absent" "$out" && has "No such file or directory" "$out"' "a missing directory is reported"
stop_daemon
unset RNX_CONFIG

printf 'plugins:\n  dirz: []\n' >"$TMP/typo.yml"
run "$JOBLET" --config "$TMP/typo.yml" check
ok 'test $rc -eq 1 && has "$TMP/typo.yml\` line 2: \`plugins.dirz\` is not a setting" "$err$out"' \
	"a configuration typo names file, line and key"

# ---------------------------------------------------------------- joblet check
run "$JOBLET" --config "$TMP/joblet.yml" check
ok 'test $rc -eq 0 && has "cgroups:" "$out" && has "namespaces:" "$out" && has "ok: joblet can serve" "$out"' \
	"joblet check reports the host and says it can serve"
ok 'has "config:     $TMP/joblet.yml" "$out" && has "scheduler/fifo" "$out"' "joblet check names its config and plugins"
stack_line="isolation:  stack namespaces rootfs cgroup (= cgroup"
# Built with job networks, the default stack has isolation/network after namespaces.
test -f "$build/build-plugins/isolation_network.so" &&
	stack_line="isolation:  stack namespaces network rootfs cgroup (= cgroup"
test "$no_isolation" = yes && stack_line="isolation:  stack none"
ok 'has "$stack_line" "$out" && printf "%s\\n" "$out" | grep -Eq "^  none +usable$"' \
	"joblet check shows the isolation stack and probes the isolation plugins"
ok 'has "runtimes:   /opt/joblet/runtimes; registry ehsaniara/joblet-runtimes" "$out" && has "platform " "$out"' \
	"joblet check shows the runtimes folder, default registry and platform"
run "$JOBLET" --config "$TMP/joblet.yml" check --json
ok 'test $rc -eq 0 && has "\"ok\": true" "$out" && has "\"cgroups\"" "$out" && has "\"mode\": \"" "$out"' \
	"joblet check --json"
ok 'has "\"id\": \"isolation/none\"," "$out" && has "\"usable\": true" "$out"' "joblet check --json has the isolation verdicts"
write_config "$TMP/nopolicy.yml" "scheduler:
  policy: fairest"
run "$JOBLET" --config "$TMP/nopolicy.yml" check
ok 'test $rc -eq 1 && has "scheduler policy \`fairest\` (scheduler.policy) is not loaded" "$out"' \
	"joblet check fails (1) when the scheduler policy is missing, and says why"
write_config "$TMP/orphan.yml" "  settings:
    registry/github:
      raw_base: https://example"
sed -i 's/^paths:$/paths:/' "$TMP/orphan.yml"
printf 'plugins:\n  dirs: [%s]\n  settings:\n    registry/absent:\n      raw_base: x\n' "$build/build-plugins" >"$TMP/orphan.yml"
run "$JOBLET" --config "$TMP/orphan.yml" check
ok 'test $rc -eq 1 && has "line 4: settings for plugin \`registry/absent\`, which is not loaded" "$out"' \
	"settings for a plugin that is not loaded are a problem"
run "$JOBLET" --config "$TMP/missing.yml" check
ok 'test $rc -eq 1 && has "missing.yml" "$err" && has "No such file" "$err"' "an explicit missing config is an error"
printf 'logging:\n  level: chatty\n' >"$TMP/level.yml"
run "$JOBLET" --config "$TMP/level.yml" check
ok 'test $rc -eq 1 && has "line 2: \`logging.level\` must be error, warning, info or debug, not \`chatty\`" "$err"' \
	"a wrong value says what is accepted"

# ---------------------------------------------------------------- rnx nodes
pem='-----BEGIN CERTIFICATE-----
MIIB
-----END CERTIFICATE-----'
printf '%s\n' "$pem" >"$TMP/ca.pem"
printf '%s\n' "$pem" >"$TMP/client.pem"
printf -- '-----BEGIN PRIVATE KEY-----\nSECRETKEYMATERIAL\n-----END PRIVATE KEY-----\n' >"$TMP/key.pem"
cat >"$TMP/rnx-config.yml" <<EOC
default: prod
nodes:
  prod:
    address: "10.1.2.3:50051"
    cert: client.pem
    key: key.pem
    ca: ca.pem
  lab:
    address: "127.0.0.1:50051"
    cert: client.pem
    key: |
      -----BEGIN PRIVATE KEY-----
      SECRETKEYMATERIAL
      -----END PRIVATE KEY-----
    ca: ca.pem
EOC
run "$RNX" --config "$TMP/rnx-config.yml" nodes
ok 'test $rc -eq 0 && has "* prod" "$out" && has "10.1.2.3:50051" "$out" && has "  lab" "$out"' \
	"rnx nodes marks the default node"
ok '! has "SECRETKEYMATERIAL" "$out"' "rnx nodes never prints key material"
run "$RNX" --config "$TMP/rnx-config.yml" --node lab nodes --json
ok 'test $rc -eq 0 && has "\"key\": \"inline\"" "$out" && ! has "SECRETKEYMATERIAL" "$out"' \
	"rnx nodes --json, --node picks the marked node, no key material"
run "$RNX" --config "$TMP/rnx-config.yml" --node nope nodes
ok 'test $rc -eq 1 && has "no node \`nope\`" "$err" && has "nodes: prod, lab" "$err"' \
	"an unknown --node lists the nodes there are"
HOME="$TMP/emptyhome" RNX_CONFIG= run "$RNX" nodes
ok 'test $rc -eq 1 && has "no client configuration" "$err" && has "--config FILE" "$err"' \
	"no client configuration: says where it looked and what to do"

# ---------------------------------------------------------------- the shipped examples
# (With the plugins of the build tree instead of the installed ones.)
# (With the no-isolation stack where the default one cannot run; see tap.sh.)
if test "$no_isolation" = yes; then
	sed -e "s|/usr/local/lib/joblet/plugins|$build/build-plugins|" \
		-e "s|stack: \[namespaces, rootfs, cgroup, seccomp\]|stack: [none]|" \
		"$src/tests/fixtures/joblet.yml" >"$TMP/example-joblet.yml"
else
	sed "s|/usr/local/lib/joblet/plugins|$build/build-plugins|" "$src/tests/fixtures/joblet.yml" \
		>"$TMP/example-joblet.yml"
fi
run "$JOBLET" --config "$TMP/example-joblet.yml" check
ok 'test $rc -eq 0 && has "config:     $TMP/example-joblet.yml" "$out"' "the example joblet.yml loads"
write_config "$TMP/badstack.yml" "isolation:
  stack: [none, nosuchlayer]"
run "$JOBLET" --config "$TMP/badstack.yml" check
ok 'test $rc -eq 1 && has "jobs cannot run: isolation plugin \`nosuchlayer\` (isolation.stack) is not loaded" "$out"' \
	"joblet check reports an isolation stack that cannot run jobs"
cp "$src/tests/fixtures/rnx-config.yml" "$TMP/example.yml"
cp "$TMP/client.pem" "$TMP/client-key.pem"
run "$RNX" --config "$TMP/example.yml" nodes
ok 'test $rc -eq 0 && has "* local" "$out" && has "build-server" "$out"' "the example rnx-config.yml loads"
