#!/bin/sh
# test_sdk.sh - the SDK works out of the tree: install joblet into a DESTDIR,
# build tests/sdk/example_plugin.c there with only `pkg-config joblet-plugin`,
# check it exports one symbol, and have the installed joblet load it and use
# it as the scheduler policy.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"
make=${JOBLET_TEST_MAKE:-make}
cc=${JOBLET_TEST_CC:-cc}
nm=${JOBLET_TEST_NM:-nm}
dest="$TMP/root"

if $make -C "$build" install DESTDIR="$dest" >"$TMP/install.log" 2>&1; then
	echo "ok - make install DESTDIR=... works"
else
	echo "not ok - make install DESTDIR=... failed"
	sed 's/^/#   /' "$TMP/install.log" | tail -20
	exit 1
fi

pc=`find "$dest" -name joblet-plugin.pc | head -1`
lib=`find "$dest" -name 'libjoblet.so' | head -1`
bin=`find "$dest" -type f -name joblet -perm -u+x | head -1`
ok 'test -n "$pc" && test -n "$lib" && test -n "$bin"' "joblet-plugin.pc, libjoblet.so and joblet are installed"
ok 'test -f "`dirname "$pc"`/joblet.pc"' "joblet.pc is installed beside joblet-plugin.pc"
for h in plugin.h error.h log.h version.h registry.h archive.h isolation.h scheduler.h; do
	ok 'test -n "`find "$dest" -path "*/include/joblet/$h"`"' "<joblet/$h> is installed"
done
# The registry plugins' HTTPS client is theirs (plugins/registry/common), not the SDK's.
ok 'test -z "`find "$dest" -path "*/include/joblet/http.h"`"' "<joblet/http.h> is not installed (HTTP is not part of the SDK)"
ok 'test -z "`$nm -D --defined-only "$lib" | grep joblet_http_`"' "libjoblet.so exports no joblet_http_* function"

PKG_CONFIG_PATH=`dirname "$pc"`
PKG_CONFIG_SYSROOT_DIR="$dest"
PKG_CONFIG_LIBDIR=
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
cflags=`pkg-config --cflags joblet-plugin`
libs=`pkg-config --libs joblet-plugin`
plugindir=`pkg-config --variable=plugindir joblet-plugin`
# pkgconf puts the sysroot in front of variables too; we want the installed path.
plugindir=${plugindir#"$dest"}
major=`pkg-config --variable=plugin_abi_major joblet-plugin`
minor=`pkg-config --variable=plugin_abi_minor joblet-plugin`
abi=`sed -n 's/^#define JOBLET_PLUGIN_ABI_STRING "\(.*\)"/\1/p' "$build/include/joblet/version.h"`
ok 'test "$major.$minor" = "$abi"' "joblet-plugin.pc carries the plugin ABI ($major.$minor)"
ok 'test -n "$plugindir"' "joblet-plugin.pc names the plugin directory ($plugindir)"

mkdir -p "$dest$plugindir"
run $cc -shared -Wall -Wextra -Werror $cflags -o "$dest$plugindir/scheduler_lifo.so" \
	"$src/tests/sdk/example_plugin.c" $libs
ok 'test $rc -eq 0' "the example plugin builds with only pkg-config joblet-plugin"
chmod 644 "$dest$plugindir/scheduler_lifo.so"
exports=`$nm -D --defined-only "$dest$plugindir/scheduler_lifo.so" | awk '{print $NF}' | tr '\n' ' '`
ok 'test "$exports" = "joblet_plugin "' "the example plugin exports only joblet_plugin"

# (No isolation layers: this checks a scheduler plugin, in builds with and
# without the isolation plugins.)
cat >"$TMP/sdk.yml" <<EOC
plugins:
  dirs: [$dest$plugindir]
scheduler:
  policy: lifo
isolation:
  stack: [none]
EOC
LD_LIBRARY_PATH=`dirname "$lib"` run "$bin" --config "$TMP/sdk.yml" check --json
ok 'test $rc -eq 0 && has "\"id\": \"scheduler/lifo\"" "$out" && has "\"ok\": true" "$out"' \
	"the installed joblet loads the out-of-tree plugin and can use it as its policy"
ok 'has "\"summary\": \"example policy: the newest waiting job starts first\"" "$out"' \
	"its descriptor reaches the listing"
