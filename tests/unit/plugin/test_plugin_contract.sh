#!/bin/sh
# test_plugin_contract.sh - every plugin the build made keeps the contract:
# it exports exactly one dynamic symbol, `joblet_plugin`, and passes
# plugin_contract (loader acceptance plus per-kind behaviour), as do the
# builtins.
build=${JOBLET_TEST_BUILDDIR:?}
nm=${JOBLET_TEST_NM:-nm}
plugins=`ls "$build"/build-plugins/*.so 2>/dev/null`

for so in $plugins; do
	exports=`$nm -D --defined-only "$so" | awk '{print $NF}' | grep -v '^JOBLET_' | sort | tr '\n' ' '`
	if test "$exports" = "joblet_plugin "; then
		echo "ok - `basename $so` exports only joblet_plugin"
	else
		echo "not ok - `basename $so` exports: $exports"
	fi
done
test -n "$plugins" || echo "ok - no plugin .so built (all disabled); builtins only # SKIP"

if test -z "${JOBLET_TEST_HAVE_UNIT:-}"; then
	echo "ok - plugin_contract needs the Check tests # SKIP configure found no Check"
	exit 0
fi
# shellcheck disable=SC2086
exec "$build/tests/unit/plugin/plugin_contract" $plugins
