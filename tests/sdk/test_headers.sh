#!/bin/sh
# test_headers.sh - every installed header compiles alone: C99 -pedantic,
# C11, and C++ (the extern "C" guards), with warnings as errors; none
# includes a private header or config.h, names a private (jl_) identifier,
# or includes a <joblet/...> header that is not installed; and exactly the
# headers of include/joblet/ are installed (the SDK is what Makefile.am
# installs, nothing more, nothing less).
src=${JOBLET_TEST_SRCDIR:?}
build=${JOBLET_TEST_BUILDDIR:?}
cc=${JOBLET_TEST_CC:-cc}
cxx=`command -v c++ || command -v g++ || true`
tmp=`mktemp -d` || exit 1
trap 'rm -rf "$tmp"' EXIT

# version.h is generated: in the build tree, and in the source tree too
# when both are one folder.  Take each header once.
headers=`ls "$src"/include/joblet/*.h | grep -v '/version\.h$'`
for h in $headers "$build"/include/joblet/version.h; do
	name=`basename "$h"`
	printf '#include <joblet/%s>\n#include <joblet/%s>\nint jl_header_test;\n' "$name" "$name" >"$tmp/t.c"
	for std in c99 c11; do
		if $cc -std=$std -pedantic -Wall -Wextra -Werror -fsyntax-only \
			-I"$build/include" -I"$src/include" "$tmp/t.c" 2>"$tmp/err"; then
			echo "ok - $name compiles alone ($std -pedantic, included twice)"
		else
			echo "not ok - $name does not compile alone ($std):"
			sed 's/^/#   /' "$tmp/err"
		fi
	done
	if test -n "$cxx"; then
		cp "$tmp/t.c" "$tmp/t.cc"
		if $cxx -std=c++11 -Wall -Wextra -Werror -fsyntax-only \
			-I"$build/include" -I"$src/include" "$tmp/t.cc" 2>"$tmp/err"; then
			echo "ok - $name compiles as C++11"
		else
			echo "not ok - $name does not compile as C++11:"
			sed 's/^/#   /' "$tmp/err"
		fi
	fi
	if grep -nE '#include +"|#include +<(config|util|yaml)\.h>' "$h" >"$tmp/inc"; then
		echo "not ok - $name includes private headers:"
		sed 's/^/#   /' "$tmp/inc"
	else
		echo "ok - $name includes only standard and <joblet/...> headers"
	fi
	bad=
	for inc in `sed -n 's/^#include <joblet\/\([^>]*\)>.*/\1/p' "$h"`; do
		test -f "$src/include/joblet/$inc" || test -f "$build/include/joblet/$inc" || bad="$bad $inc"
	done
	if test -n "$bad"; then
		echo "not ok - $name includes <joblet/...> headers that are not installed:$bad"
	else
		echo "ok - $name includes only installed <joblet/...> headers"
	fi
	if grep -nwE 'jl_[a-z0-9_]+|JL_[A-Z0-9_]+|struct jl_' "$h" >"$tmp/jl"; then
		echo "not ok - $name names private identifiers:"
		sed 's/^/#   /' "$tmp/jl"
	else
		echo "ok - $name names no private (jl_) identifier"
	fi
done

# The installed set is include/joblet/: what `make install` puts there,
# the written headers and the generated version.h.
listed=$( (awk '/^joblet_include_HEADERS = / { on = 1 } on { print; if ($0 !~ /\\$/) exit }' "$src/Makefile.am"
	grep '^nodist_joblet_include_HEADERS = ' "$src/Makefile.am") |
	grep -o 'include/joblet/[a-z_0-9]*\.h' | sort -u | tr '\n' ' ')
present=$( (cd "$src" && ls include/joblet/*.h; echo include/joblet/version.h) | sort -u | tr '\n' ' ')
if test "$listed" = "$present"; then
	echo "ok - Makefile.am installs exactly the headers of include/joblet/"
else
	echo "not ok - Makefile.am installs [$listed] but include/joblet/ holds [$present]"
fi
