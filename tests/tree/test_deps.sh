#!/bin/sh
# test_deps.sh - the dependency rules of core/ (ARCHITECTURE.md, section 2)
# hold in the built objects and in the sources:
#
#   - no two files of core/ depend on each other, directly or around a loop:
#     neither by calls (a function of a.c calls one of b.c; read from the
#     objects with nm) nor by includes (a.c or a.h includes b.h and b's
#     files include a.h);
#   - the areas of core/lib layer downwards, base -> config -> plugin ->
#     runtime -> job -> sched: no file calls into an area above its own;
#   - libjoblet calls nothing of the programs (core/common, daemon, cli,
#     shim), and the programs call no hidden function of the library;
#   - core/net (job networks), compiled into joblet and into the
#     isolation/network plugin, calls only the plugin SDK (joblet_*) of
#     libjoblet and nothing of the programs: a plugin may call nothing else.
#
# A cycle is reported with the files on it; fix it by moving what both need
# into a lower file, or by a callback (see docs/hacking.md).
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"
nm=${JOBLET_TEST_NM:-nm}

# ------------------------------------------------------------ calls
# Every object of core/, named by its source file (core/lib/base/error):
# found from the sources, so objects of files that moved away do not count.
: >"$TMP/objects"
for f in `cd "$src" && find core -name '*.c' | sort`; do
	dir=`dirname "$f"`
	name=`basename "$f" .c`
	case $dir in
	core/lib/*) o=$dir/.libs/libjoblet_core_la-$name.o ;;
	core/common) o=$dir/.libs/libjoblet_common_la-$name.o ;;
	core/net) o=$dir/.libs/libjlnet_la-$name.o ;;
	core/daemon) # the program's own files, else joblet-daemon.so's
		o=$dir/joblet-$name.o
		test -f "$build/$o" || o=$dir/.libs/joblet_daemon_la-$name.o ;;
	core/cli) o=$dir/rnx-$name.o ;;
	core/shim) o=$dir/joblet_shim-$name.o ;;
	*) continue ;;
	esac
	test -f "$build/$o" && printf '%s %s\n' "$build/$o" "$dir/$name" >>"$TMP/objects"
done
if ! test -s "$TMP/objects"; then
	echo "1..0 # SKIP no objects of core/ in $build (build first)"
	exit 77
fi
# "D module symbol" for what a file defines, "U module symbol" for what it uses.
while read -r o module; do
	$nm "$o" | awk -v m="$module" '
		$1 == "U" { print "U", m, $2; next }
		NF == 3 && $2 ~ /^[TDBRW]$/ { print "D", m, $3 }'
done <"$TMP/objects" >"$TMP/symbols"
awk '
	$1 == "D" { def[$3] = $2; next }
	{ use[NR] = $2 " " $3 }
	END {
		for (i in use) {
			split(use[i], p, " ")
			if ((p[2] in def) && def[p[2]] != p[1])
				print p[1], def[p[2]], p[2]
		}
	}' "$TMP/symbols" | sort -u >"$TMP/calls"

# Pairs (a, b) with a reaching b and b reaching a: the files of a cycle.
cycles() { # edges file ("a b ...") -> "a <-> b" lines
	awk '
		{ if (!(($1, $2) in seen)) { seen[$1, $2] = 1; adj[$1] = adj[$1] " " $2 }; node[$1]; node[$2] }
		END {
			for (s in node) {
				# Depth-first from s over adj, iteratively.
				delete reach
				n = split(adj[s], stack, " ")
				while (n > 0) {
					v = stack[n--]
					if (v in reach) continue
					reach[v] = 1
					k = split(adj[v], next_, " ")
					for (j = 1; j <= k; j++) if (!(next_[j] in reach)) stack[++n] = next_[j]
				}
				for (v in reach) if (v != s) r[s, v] = 1
			}
			for (k in r) {
				split(k, p, SUBSEP)
				if (p[1] < p[2] && ((p[2], p[1]) in r)) print p[1] " <-> " p[2]
			}
		}' "$1" | sort
}
found=`cycles "$TMP/calls"`
ok 'test -z "$found"' "no two files of core/ call each other, directly or in a loop`printf '%s\n' "$found" | sed -n '1,10s/^/; /p' | tr -d '\n'`"

# Areas: base 0, config 1, plugin 2, runtime 3, job 4, sched 5.
up=`awk '
	function rank(m) {
		if (m ~ /^core\/lib\/base\//) return 0
		if (m ~ /^core\/lib\/config\//) return 1
		if (m ~ /^core\/lib\/plugin\//) return 2
		if (m ~ /^core\/lib\/runtime\//) return 3
		if (m ~ /^core\/lib\/job\//) return 4
		if (m ~ /^core\/lib\/sched\//) return 5
		return -1
	}
	rank($1) >= 0 && rank($2) > rank($1) { print $1 " calls " $2 " (" $3 ")" }' "$TMP/calls" | head -10`
ok 'test -z "$up"' "no file of core/lib calls into a higher area`printf '%s\n' "$up" | sed 's/^/; /' | tr -d '\n'`"

# Libjoblet calls only libjoblet (and the libraries it links).
out=`awk '$1 ~ /^core\/lib\// && $2 !~ /^core\/lib\// { print $1 " calls " $2 " (" $3 ")" }' "$TMP/calls" | head -5`
ok 'test -z "$out"' "libjoblet calls nothing of the programs`printf '%s\n' "$out" | sed 's/^/; /' | tr -d '\n'`"

# core/net: itself and the SDK only.
out=`awk '$1 ~ /^core\/net\// && $2 !~ /^core\/net\// && !($2 ~ /^core\/lib\// && $3 ~ /^joblet_/) { print $1 " calls " $2 " (" $3 ")" }' "$TMP/calls" | head -5`
ok 'test -z "$out"' "core/net calls only core/net and the plugin SDK`printf '%s\n' "$out" | sed 's/^/; /' | tr -d '\n'`"
out=`awk '$2 ~ /^core\/net\// && $1 !~ /^core\/(net|daemon)\// { print $1 " calls " $2 " (" $3 ")" }' "$TMP/calls" | head -5`
ok 'test -z "$out"' "only joblet (core/daemon) calls core/net among the programs`printf '%s\n' "$out" | sed 's/^/; /' | tr -d '\n'`"

# ------------------------------------------------------------ includes
# Node: a file without its extension (core/lib/base/util for util.c and
# util.h); an edge for each #include "x.h" that names a file of core/.
for f in `cd "$src" && find core -name '*.[ch]' | sort`; do
	dir=`dirname "$f"`
	sed -n 's/^#include "\([^"]*\)".*/\1/p' "$src/$f" | while read -r h; do
		for cand in "$dir/$h" "core/lib/$h" "core/$h"; do
			if test -f "$src/$cand"; then
				printf '%s %s\n' "${f%.*}" "${cand%.*}"
				break
			fi
		done
	done
done | awk '$1 != $2' | sort -u >"$TMP/includes"
found=`cycles "$TMP/includes"`
ok 'test -z "$found"' "no two files of core/ include each other, directly or in a loop`printf '%s\n' "$found" | sed -n '1,10s/^/; /p' | tr -d '\n'`"
