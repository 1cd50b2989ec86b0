#!/bin/sh
# bench_install.sh - install of a ~200 MB package from the loopback HTTPS
# server against the same work done by the baseline tools in the same run:
#   curl (download to a file), sha256sum, tar xzf
# Prints the median of each and the ratios; the target is
#   joblet <= slowest single stage x 1.15   (download, hash, unpack overlap)
#   peak memory of the install < 32 MiB
# Usage: tests/bench/bench_install.sh [BUILDDIR] [SIZE_MB] [RUNS]
# Needs a built tree (make; make tests/fixtures/fake_registry), curl, GNU time.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src}" && pwd)
size_mb=${2:-200}
runs=${3:-3}
for tool in curl sha256sum tar /usr/bin/time certtool; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "bench_install: needs $tool (apt-get install curl time gnutls-bin)" >&2
		exit 2
	}
done
test -x "$build/tests/fixtures/fake_registry" || {
	echo "bench_install: build the fake server first: make -C $build tests/fixtures/fake_registry" >&2
	exit 2
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/joblet-bench-XXXXXX")
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
server=

echo "== preparing a ${size_mb} MB package (base64 text: compressible, real inflate work)"
mkdir -p "$tmp/src/data" "$tmp/www/releases" "$tmp/www/acme/bench/main"
cat >"$tmp/src/runtime.yml" <<EOC
name: bench
version: "1.0.0"
description: benchmark runtime
EOC
# gzip leaves base64 text at about 76 %: write enough text for size_mb of package.
text_mb=$(( size_mb * 100 / 76 ))
i=0
while [ $((i * 16)) -lt "$text_mb" ]; do
	head -c $((12 * 1024 * 1024)) /dev/urandom | base64 -w 0 >"$tmp/src/data/part$i"
	i=$((i + 1))
done
JOBLET_CONFIG="$tmp/joblet.yml"
export JOBLET_CONFIG
sh "$src/tests/fixtures/make-test-certs.sh" "$tmp/certs"
"$build/tests/fixtures/fake_registry" --cert "$tmp/certs/server.pem" --key "$tmp/certs/server-key.pem" \
	--root "$tmp/www" --port-file "$tmp/port" 2>/dev/null &
server=$!
while ! [ -s "$tmp/port" ]; do sleep 0.05; done
base="https://127.0.0.1:$(cat "$tmp/port")"
cat >"$tmp/joblet.yml" <<EOC
plugins:
  dirs: [$build/build-plugins]
  settings:
    registry/github: {raw_base: "$base", ca_file: $tmp/certs/ca.pem}
paths: {state_dir: $tmp/state}
runtimes: {dir: $tmp/runtimes, registry: acme/bench, platform: ubuntu-amd64}
EOC
"$build/joblet" runtime pack "$tmp/src" -o "$tmp/www/releases" >/dev/null
"$build/joblet" runtime index "$tmp/www/releases" --base-url "$base/releases" >/dev/null
cp "$tmp/www/releases/registry.json" "$tmp/www/acme/bench/main/registry.json"
pkg="$tmp/www/releases/bench-1.0.0.tar.gz"
echo "package: $(du -m "$pkg" | cut -f1) MB compressed, $(du -sm "$tmp/src" | cut -f1) MB unpacked"

# seconds (wall) of a command; peak RSS in KiB goes to $tmp/rss
timed() {
	/usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || {
		cat "$tmp/err" >&2
		exit 1
	}
	cut -d' ' -f1 "$tmp/t"
	cut -d' ' -f2 "$tmp/t" >"$tmp/rss"
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

curl_t="" sha_t="" tar_t="" ours_t="" ours_rss=""
for r in $(seq 1 "$runs"); do
	rm -f "$tmp/dl.tar.gz"
	curl_t="$curl_t $(timed curl -sS --cacert "$tmp/certs/ca.pem" -o "$tmp/dl.tar.gz" "$base/releases/bench-1.0.0.tar.gz")"
	sha_t="$sha_t $(timed sha256sum "$tmp/dl.tar.gz")"
	rm -rf "$tmp/x" && mkdir "$tmp/x"
	tar_t="$tar_t $(timed tar xzf "$tmp/dl.tar.gz" -C "$tmp/x")"
	rm -rf "$tmp/x" "$tmp/runtimes"
	ours_t="$ours_t $(LD_LIBRARY_PATH="$build/.libs" timed "$build/.libs/joblet" runtime install bench)"
	ours_rss="$ours_rss $(cat "$tmp/rss")"
	echo "run $r: curl ${curl_t##* } s, sha256sum ${sha_t##* } s, tar xzf ${tar_t##* } s, joblet ${ours_t##* } s (peak ${ours_rss##* } KiB)"
done
c=$(echo "$curl_t" | median)
s=$(echo "$sha_t" | median)
t=$(echo "$tar_t" | median)
o=$(echo "$ours_t" | median)
m=$(echo "$ours_rss" | median)
awk -v c="$c" -v s="$s" -v t="$t" -v o="$o" -v m="$m" 'BEGIN {
	slow = c; name = "curl";
	if (s > slow) { slow = s; name = "sha256sum" }
	if (t > slow) { slow = t; name = "tar xzf" }
	total = c + s + t
	printf "\nmedians: curl %.2f s, sha256sum %.2f s, tar xzf %.2f s; joblet runtime install %.2f s\n", c, s, t, o
	printf "ratio joblet / (curl + sha256sum + tar xzf) = %.2f\n", o / total
	printf "ratio joblet / slowest single stage (%s)   = %.2f   (target <= 1.15): %s\n", name, o / slow, o / slow <= 1.15 ? "met" : "NOT met"
	printf "peak memory of the install: %.1f MiB (target < 32 MiB): %s\n", m / 1024, m < 32 * 1024 ? "met" : "NOT met"
}'
