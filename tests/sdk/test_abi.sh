#!/bin/sh
# test_abi.sh - what libjoblet.so exports and what the built objects link.
#
# libjoblet's default version node (JOBLET_2) is the plugin SDK and nothing
# else: every symbol in it is declared in an installed header and called by
# at least one plugin, so a function only the programs use cannot slip into
# the stable ABI.  The programs' shared functions are jl_* in the private
# node.  Plugins use the SDK only.  libjoblet and joblet-shim link none of
# libcurl, GnuTLS, SQLite, libmicrohttpd, libmnl or libnftables; the two HTTP
# registry plugins link libcurl themselves, isolation/network libmnl but not
# libnftables (a job's start writes its rules as netlink: core/net).
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"
nm=${JOBLET_TEST_NM:-nm}
lib="$build/.libs/libjoblet.so"
objdump=`command -v objdump || true`
test -f "$lib" || { echo "1..0 # SKIP $lib is not built"; exit 77; }
test -n "$objdump" || { echo "1..0 # SKIP objdump (binutils) is missing"; exit 77; }

# name@@NODE of every symbol libjoblet defines (nodes themselves are type A).
$nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' >"$TMP/defined"
sed -n 's/@@JOBLET_2$//p' "$TMP/defined" | sort >"$TMP/sdk"
sed -n 's/@@JOBLET_PRIVATE_.*$//p' "$TMP/defined" | sort >"$TMP/private"
ok 'test -s "$TMP/sdk" && test -s "$TMP/private"' \
	"libjoblet.so exports a default node JOBLET_2 (`wc -l <"$TMP/sdk"` symbols) and a private node (`wc -l <"$TMP/private"`)"
other=`grep -v '@@JOBLET_2$' "$TMP/defined" | grep -v '@@JOBLET_PRIVATE_' || true`
ok 'test -z "$other"' "every exported symbol is in one of the two nodes${other:+: not $other}"
bad=`grep -v '^joblet_' "$TMP/sdk" || true`
ok 'test -z "$bad"' "the default node holds joblet_* names only${bad:+ (not: $bad)}"
bad=`grep -v '^jl_' "$TMP/private" || true`
ok 'test -z "$bad"' "the private node holds jl_* names only${bad:+ (not: $bad)}"

# Declared in the installed headers.
cat "$src"/include/joblet/*.h "$build/include/joblet/version.h" >"$TMP/headers"
missing=
for s in `cat "$TMP/sdk"`; do
	grep -qw "$s" "$TMP/headers" || missing="$missing $s"
done
ok 'test -z "$missing"' "every symbol of the default node is declared in include/joblet/${missing:+ (not:$missing)}"
leaked=
for s in `cat "$TMP/private"`; do
	grep -qw "$s" "$TMP/headers" && leaked="$leaked $s"
done
ok 'test -z "$leaked"' "no private symbol is declared in include/joblet/${leaked:+ ($leaked)}"

# Used by the plugins: the SDK is what they call.
plugins=`ls "$build"/build-plugins/*.so 2>/dev/null || true`
if test -n "$plugins"; then
	for p in $plugins; do
		$nm -D --undefined-only "$p" | awk '{ print $2 }'
	done | sed 's/@.*//' | sort -u >"$TMP/used"
	unused=`comm -23 "$TMP/sdk" "$TMP/used" | tr '\n' ' '`
	ok 'test -z "$unused"' "every symbol of the default node is called by a plugin of this tree (a function only the programs use belongs in the private tier)${unused:+; no plugin calls: $unused}"
	priv=`grep '^jl_' "$TMP/used" | tr '\n' ' ' || true`
	ok 'test -z "$priv"' "no plugin calls a private jl_* function${priv:+ ($priv)}"
	own=`for p in $plugins; do $nm -D --defined-only "$p" | awk '$2 != "A" { print $3 }'; done | sort -u | tr '\n' ' '`
	ok 'test "$own" = "joblet_plugin "' "every plugin exports joblet_plugin alone ($own)"
else
	echo "ok - every symbol of the default node is called by a plugin # SKIP no plugin is built"
	echo "ok - no plugin calls a private jl_* function # SKIP no plugin is built"
	echo "ok - every plugin exports joblet_plugin alone # SKIP no plugin is built"
fi

# What the libraries and programs need (DT_NEEDED).
needed() { "$objdump" -p "$1" 2>/dev/null | awk '$1 == "NEEDED" { print $2 }' | tr '\n' ' '; }
heavy='libcurl|libgnutls|libsqlite3|libmicrohttpd|libmnl|libnftables'
for f in "$lib" "$build/.libs/joblet-shim" "$build/.libs/joblet"; do
	n=`needed "$f"`
	ok '! printf "%s\n" "$n" | grep -Eq "$heavy"' \
		"`basename "$f"` needs no libcurl, GnuTLS, SQLite, libmicrohttpd, libmnl or libnftables ($n)"
done
n=`needed "$build/.libs/joblet-daemon.so"`
ok 'printf "%s\n" "$n" | grep -Eq "libsqlite3" && printf "%s\n" "$n" | grep -Eq "libmicrohttpd" && ! printf "%s\n" "$n" | grep -q libcurl' \
	"joblet-daemon.so links SQLite and libmicrohttpd itself, and no libcurl ($n)"
own=`$nm -D --defined-only "$build/.libs/joblet-daemon.so" | awk '$2 != "A" { print $3 }' | sort | tr '\n' ' '`
ok 'test "$own" = "joblet_cmd_certs_init joblet_cmd_check joblet_cmd_serve joblet_daemon_module_version "' \
	"joblet-daemon.so exports its three verbs and its version alone ($own)"
for p in github https; do
	so="$build/build-plugins/registry_$p.so"
	if test -f "$so"; then
		n=`needed "$so"`
		ok 'printf "%s\n" "$n" | grep -q libcurl' "registry/$p links libcurl ($n)"
	else
		echo "ok - registry/$p links libcurl # SKIP not built"
	fi
done
so="$build/build-plugins/registry_local.so"
if test -f "$so"; then
	n=`needed "$so"`
	ok '! printf "%s\n" "$n" | grep -q libcurl' "registry/local does not ($n)"
fi
so="$build/build-plugins/isolation_network.so"
if test -f "$so"; then
	n=`needed "$so"`
	ok 'printf "%s\n" "$n" | grep -q libmnl && ! printf "%s\n" "$n" | grep -q libnftables' \
		"isolation/network links libmnl, not libnftables ($n)"
else
	echo "ok - isolation/network links libmnl, not libnftables # SKIP not built"
fi
for so in "$build"/build-plugins/*.so; do
	case $so in */isolation_network.so) continue ;; esac
	test -f "$so" || continue
	n=`needed "$so"`
	ok '! printf "%s\n" "$n" | grep -Eq "libmnl|libnftables"' \
		"`basename "$so"` links neither libmnl nor libnftables"
done
