#!/bin/sh
# test_completion.sh - shell completion of rnx and joblet: the bash scripts as
# installed, sourced into a real bash and driven through COMP_LINE/COMP_WORDS
# like a TAB; job ids and runtime names from a test daemon; the zsh scripts
# when zsh is there; and an example in the --help of every command.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

BASHCOMP="$build/contrib/completion/bash"
ZSHCOMP="$build/contrib/completion/zsh"
XDG_CACHE_HOME="$TMP/cache"
export XDG_CACHE_HOME
unset RNX_CONFIG

# comp NAME PROG LINE: COMPREPLY (one per line, in $out) of bash's completion
# function _NAME_complete for LINE typed after PROG, the cursor at its end.
comp() {
	run bash --norc --noprofile -c '
		. "$1/$2"
		COMP_LINE="$3 $4"
		COMP_POINT=${#COMP_LINE}
		# Split as bash does: blanks, and `=` and `:` as words of their own.
		COMP_WORDS=()
		for w in $COMP_LINE; do
			while [[ $w =~ ^([^=:]*)([=:])(.*)$ ]]; do
				[[ -n ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
				COMP_WORDS+=("${BASH_REMATCH[2]}")
				w=${BASH_REMATCH[3]}
			done
			[[ -n $w ]] && COMP_WORDS+=("$w")
		done
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_$2_complete
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BASHCOMP" "$1" "$2" "$3"
}
# has_line WORD: $out holds WORD as a line of its own.
has_line() {
	printf '%s\n' "$out" | grep -qxF -- "$1"
}

if ! command -v bash >/dev/null 2>&1; then
	echo "ok - bash completion # SKIP no bash"
	exit 0
fi

# ---------------------------------------------------------------- commands, from the tables
run "$RNX" __complete --list
list=$out
ok 'test $rc -eq 0 && has "leaf rnx job run" "$list" && has "group rnx job" "$list"' \
	"rnx __complete --list walks the command table"
tops=`printf '%s\n' "$list" | awk 'NF == 3 {print $3}'`
comp rnx "$RNX" ""
missing=
for t in $tops; do has_line "$t" || missing="$missing $t"; done
ok 'test -n "$tops" && test -z "$missing" && ! has_line "__complete"' \
	"rnx TAB offers every command of the table, no hidden one (missing:$missing)"
comp rnx "$RNX" "jo"
ok 'test "$out" = job' "rnx jo TAB completes to job"
comp rnx "$RNX" "job "
missing=
for t in `printf '%s\n' "$list" | awk '$1 == "leaf" && $3 == "job" {print $4}'`; do
	has_line "$t" || missing="$missing $t"
done
ok 'test -z "$missing" && has_line delete-all' "rnx job TAB offers every job command (missing:$missing)"
comp rnx "$RNX" "help jo"
ok 'test "$out" = job' "rnx help jo TAB completes to job"

# ---------------------------------------------------------------- flags
comp rnx "$RNX" "--"
ok 'has_line --config && has_line --node && has_line --json && has_line --version && has_line --help' \
	"rnx -- TAB offers the global options"
comp rnx "$RNX" "job run -"
missing=
for f in `sed -n 's/^[[:space:]]*\.\(short_\)\{0,1\}flag = "\(-[-a-z]*\)",.*/\2/p' "$src/core/lib/job/job_schema.c"`; do
	has_line "$f" || has_line "$f=" || missing="$missing $f"
done
ok 'test -z "$missing" && has_line -f && has_line --follow && has_line --json' \
	"rnx job run - TAB offers every job flag of job_schema.c and -f (missing:$missing)"
comp rnx "$RNX" "job run --max-m"
ok 'has_line --max-memory= && ! has_line --max-cpu=' "rnx job run --max-m TAB: --max-memory="
comp rnx "$RNX" "job log 3f2a --f"
ok 'test "$out" = --follow' "rnx job log ID --f TAB: --follow"
comp rnx "$RNX" "job download 3f2a out -"
ok 'has_line -o && has_line --output && has_line --force && has_line --json' \
	"rnx job download - TAB: -o, --output, --force, --json"
comp rnx "$RNX" "monitor top --by="
ok 'has_line cpu && has_line memory && test `printf "%s\n" "$out" | wc -l` -eq 2' \
	"rnx monitor top --by= TAB offers cpu and memory after the ="
comp rnx "$RNX" "job list --status=RU"
ok 'test "$out" = RUNNING' "rnx job list --status=RU TAB: RUNNING"
comp rnx "$RNX" "frobnicate "
ok 'test -z "$out"' "an unknown command offers nothing"

# ---------------------------------------------------------------- files and commands
mkdir -p "$TMP/cwd/sub" && : >"$TMP/cwd/report.csv"
out=`cd "$TMP/cwd" && bash --norc --noprofile -c '
	. "$1/rnx"; COMP_LINE="$2 job download 3f2a out -o "; COMP_POINT=${#COMP_LINE}
	COMP_WORDS=("$2" job download 3f2a out -o ""); COMP_CWORD=6
	_rnx_complete; printf "%s\n" "${COMPREPLY[@]}"' _ "$BASHCOMP" "$RNX"`
ok 'has_line report.csv && has_line sub' "rnx job download ID PATH -o TAB offers files"
out=`cd "$TMP/cwd" && bash --norc --noprofile -c '
	. "$1/rnx"; COMP_LINE="$2 job run --upload=rep"; COMP_POINT=${#COMP_LINE}
	COMP_WORDS=("$2" job run --upload = rep); COMP_CWORD=5
	_rnx_complete; printf "%s\n" "${COMPREPLY[@]}"' _ "$BASHCOMP" "$RNX"`
ok 'test "$out" = report.csv' "rnx job run --upload=rep TAB offers files after the ="
comp rnx "$RNX" "job run -- ech"
ok 'has_line echo' "rnx job run -- ech TAB offers commands"

# ---------------------------------------------------------------- joblet
run "$JOBLET" __complete --list
jlist=$out
comp joblet "$JOBLET" ""
missing=
for t in `printf '%s\n' "$jlist" | awk 'NF == 3 {print $3}'`; do has_line "$t" || missing="$missing $t"; done
ok 'has_line serve && has_line run-local && test -z "$missing"' "joblet TAB offers every command (missing:$missing)"
comp joblet "$JOBLET" "certs init --"
ok 'has_line --dir && has_line --server-name && has_line --ip && has_line --ca-days && has_line --force' \
	"joblet certs init -- TAB offers its options"
comp joblet "$JOBLET" "run-local --max-c"
ok 'test "$out" = --max-cpu=' "joblet run-local --max-c TAB: --max-cpu="
comp joblet "$JOBLET" "runtime pack x -"
ok 'has_line -o && has_line --output && has_line --json' "joblet runtime pack - TAB: -o, --output, --json"

# ---------------------------------------------------------------- every command has an example
# PROG LIST: for each leaf of LIST, its --help holds "Examples:" (or
# "Example:") and under it a line that runs the command.
check_examples() {
	printf '%s\n' "$2" | while read -r kind path; do
		test "$kind" = leaf || continue
		# shellcheck disable=SC2086
		run "$1" ${path#* } --help
		ok 'test $rc -eq 0 && printf "%s\n" "$out" | awk -v p="$path" "
			/^Examples?:\$/ { ex = 1; next }
			ex && /^\$/ { ex = 0 }
			ex && /^  / && index(\$0, p) { found = 1 }
			END { exit !found }"' "\`$path --help\` has an example running it"
	done
}
check_examples "$RNX" "$list"
check_examples "$JOBLET" "$jlist"

# ---------------------------------------------------------------- the node's job ids and runtimes
reg_ok=yes
for so in archive_tar registry_local; do
	test -f "$build/build-plugins/$so.so" || reg_ok=no
done
if ! start_daemon "runtimes:
  dir: $TMP/runtimes"; then
	echo "not ok - the daemon did not start"
	exit 0
fi
RNX_CONFIG="$CERTS/rnx-config-admin.yml"
export RNX_CONFIG
# Under valgrind rnx needs seconds for a TLS handshake: more than the half
# second a TAB may ask the node by default.
if test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1; then
	RNX_COMPLETE_TIMEOUT_MS=30000
	export RNX_COMPLETE_TIMEOUT_MS
fi
run "$RNX" job run -- true
id=`printf '%s\n' "$out" | sed -n 's/^\(job \)\{0,1\}\([0-9a-f]\{8\}-[0-9a-f-]*\).*/\2/p' | head -1`
test -n "$id" || id=`"$RNX" --json job list | sed -n 's/.*"id": *"\([0-9a-f-]*\)".*/\1/p' | head -1`
comp rnx "$RNX" "job status "
ok 'test -n "$id" && has_line "$id"' "rnx job status TAB offers the node's job ids ($id)"
short=`printf '%s' "$id" | cut -c1-6`
comp rnx "$RNX" "job log $short"
ok 'test -n "$id" && test "$out" = "$id"' "rnx job log ${short} TAB completes the id"
ok 'grep -rqxF "$id" "$XDG_CACHE_HOME/rnx"' "the ids are cached in \$XDG_CACHE_HOME/rnx"

if test "$reg_ok" = yes; then
	mkdir -p "$TMP/rtsrc/tabrt-1.0.0/bin" "$TMP/reg"
	printf 'name: tabrt\nversion: "1.0.0"\nmounts:\n  - {source: bin, target: /opt/tabrt/bin}\n' \
		>"$TMP/rtsrc/tabrt-1.0.0/runtime.yml"
	"$JOBLET" --config "$TMP/daemon.yml" runtime pack "$TMP/rtsrc/tabrt-1.0.0" -o "$TMP/reg" >/dev/null 2>&1
	"$JOBLET" --config "$TMP/daemon.yml" runtime index "$TMP/reg" >/dev/null 2>&1
	run "$JOBLET" --config "$TMP/daemon.yml" runtime install tabrt --registry="$TMP/reg"
	rm -rf "$XDG_CACHE_HOME/rnx"
	comp rnx "$RNX" "runtime info ta"
	ok 'has_line tabrt && has_line tabrt@1.0.0' "rnx runtime info ta TAB offers the node's runtimes"
	comp rnx "$RNX" "job run --runtime=ta"
	ok 'has_line tabrt' "rnx job run --runtime=ta TAB offers them after the ="
else
	echo "ok - runtime names # SKIP archive_tar or registry_local is not built"
fi

# A node that takes the connection and never answers costs a TAB at most a
# fraction of a second, and commands still complete.
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(60)' "$TMP/silent.port" &
	SILENT=$!
	wait_until 'test -s "$TMP/silent.port"'
	sed "s|address: .*|address: 127.0.0.1:`cat "$TMP/silent.port"`|" "$RNX_CONFIG" >"$TMP/silent.yml"
	RNX_CONFIG="$TMP/silent.yml"
	saved_timeout=${RNX_COMPLETE_TIMEOUT_MS:-}
	RNX_COMPLETE_TIMEOUT_MS=
	t0=`date +%s%N`
	comp rnx "$RNX" "job status "
	t1=`date +%s%N`
	ms=$(((t1 - t0) / 1000000))
	# Under valgrind every rnx takes a second or more to start: no timing there.
	slow=0
	test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1 && slow=100000
	ok 'test -z "$out" && test $ms -lt $((2000 + slow))' "a silent node: no ids, and the TAB took ${ms} ms"
	t0=`date +%s%N`
	comp rnx "$RNX" "job status "
	t1=`date +%s%N`
	ms2=$(((t1 - t0) / 1000000))
	ok 'test $ms2 -lt $((400 + slow))' "the next TAB does not ask the silent node again (${ms2} ms)"
	comp rnx "$RNX" "job sta"
	ok 'test "$out" = status' "commands complete without the node"
	kill $SILENT 2>/dev/null
	wait $SILENT 2>/dev/null
	RNX_CONFIG="$CERTS/rnx-config-admin.yml"
	RNX_COMPLETE_TIMEOUT_MS=$saved_timeout
else
	echo "ok - a silent node # SKIP no python3 for the silent listener"
fi

# ---------------------------------------------------------------- zsh
if command -v zsh >/dev/null 2>&1; then
	run zsh -n "$ZSHCOMP/_rnx"
	ok 'test $rc -eq 0' "zsh -n _rnx: the script parses"
	run zsh -n "$ZSHCOMP/_joblet"
	ok 'test $rc -eq 0' "zsh -n _joblet: the script parses"
	# The completion function with zsh's completion builtins replaced by
	# stubs that print what they were given.
	zcomp() { # name CURRENT words...
		_n=$1
		shift
		run zsh -f -c '
			fpath=("$1" $fpath); autoload -Uz _$2
			compadd() { while [[ $1 != -- ]]; do shift; done; shift; print -l -- "$@"; }
			_files() { print -- ":files $*"; }
			_command_names() { print -- ":commands"; }
			compset() { :; }
			CURRENT=$3; shift 3; words=("$@")
			_'"$_n" _ "$ZSHCOMP" "$_n" "$@"
	}
	zcomp rnx 3 "$RNX" job st
	ok 'has_line status && has_line stop && ! has_line list' "zsh: rnx job st TAB: status, stop"
	zcomp rnx 4 "$RNX" job run --max-c
	ok 'test "$out" = --max-cpu=' "zsh: rnx job run --max-c TAB: --max-cpu="
	zcomp rnx 4 "$RNX" job status ""
	ok 'has_line "$id"' "zsh: rnx job status TAB offers the node's job ids"
	zcomp joblet 2 "$JOBLET" "ru"
	ok 'has_line run-local && has_line runtime' "zsh: joblet ru TAB: run-local, runtime"
	zcomp rnx 4 "$RNX" job run --upload=x
	ok 'test "$out" = ":files "' "zsh: rnx job run --upload= TAB completes files"
else
	echo "ok - zsh completion # SKIP zsh is not installed (apt-get install zsh)"
fi
