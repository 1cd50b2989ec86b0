#!/bin/sh
# test_ui.sh - `rnx ui` in a real browser (docs/ui.md): headless Chromium
# driven by Selenium (tests/ui/ui_browser.py) opens the address rnx ui
# printed, sees a job appear in the jobs table with its limits, filters it,
# opens it by keyboard, sees its stdout and stderr stream in told apart,
# stops it and sees STOPPED; the node page shows the capacity used; the
# runtimes page installs a runtime from a local registry with its progress;
# a reader's dashboard hides Stop and Delete; a phone-sized screen does
# not scroll sideways; the page asks nothing of other addresses and logs no
# error.  Screenshots go to $JOBLET_UI_SCREENSHOTS (docs/images/ for
# docs/ui.md), else into the test's own folder.
#
# Needs the Debian packages chromium, chromium-driver and python3-selenium;
# without them it is skipped, saying which is missing.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

skip() {
	echo "1..0 # SKIP $1"
	exit 77
}
CHROMIUM=`command -v chromium || command -v chromium-browser || true`
CHROMEDRIVER=`command -v chromedriver || true`
test -z "$CHROMEDRIVER" && test -x /usr/lib/chromium/chromedriver && CHROMEDRIVER=/usr/lib/chromium/chromedriver
PY=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import selenium' >/dev/null 2>&1; then
		PY=$p
		break
	fi
done
test -n "$CHROMIUM" || skip "chromium not found (apt-get install chromium)"
test -n "$CHROMEDRIVER" || skip "chromedriver not found (apt-get install chromium-driver)"
test -n "$PY" || skip "python3 cannot import selenium (apt-get install python3-selenium)"
SHOTS=${JOBLET_UI_SCREENSHOTS:-$TMP/shots}
mkdir -p "$SHOTS" "$TMP/work"
UI_PIDS=
PY_PID=
ui_cleanup() {
	# The browser's processes: the group the driver runs in, then any left
	# that use this test's profile folder (only this test's own).
	test -n "$PY_PID" && kill -- -"$PY_PID" 2>/dev/null
	for p in `pgrep -f -- "--user-data-dir=$TMP/work/chrome" 2>/dev/null`; do kill -9 "$p" 2>/dev/null; done
	for p in $UI_PIDS; do kill "$p" 2>/dev/null; done
	test -n "${DAEMON_PID:-}" && stop_daemon
	tap_exit
}
trap ui_cleanup EXIT

# A local registry offering demo@1.0.0, when the plugins for it are built.
REGISTRY=no
RUNTIMES_YML=
if test -f "$build/build-plugins/registry_local.so" && test -f "$build/build-plugins/archive_tar.so"; then
	d=$TMP/src/demo-1.0.0
	mkdir -p "$d/isolated/bin" "$TMP/registry"
	printf 'name: demo\nversion: "1.0.0"\ndescription: a demo runtime\nmounts:\n  - {source: isolated/bin, target: /opt/demo/bin}\n' >"$d/runtime.yml"
	printf '#!/bin/sh\necho demo\n' >"$d/isolated/bin/demo"
	chmod 755 "$d/isolated/bin/demo"
	write_config "$TMP/pack.yml"
	if "$JOBLET" --config "$TMP/pack.yml" runtime pack "$d" -o "$TMP/registry" >"$TMP/pack.log" 2>&1 &&
		"$JOBLET" --config "$TMP/pack.yml" runtime index "$TMP/registry" --platforms ubuntu-amd64 >>"$TMP/pack.log" 2>&1; then
		REGISTRY=yes
		RUNTIMES_YML="runtimes:
  dir: $TMP/runtimes
  registry: $TMP/registry
  platform: ubuntu-amd64"
	else
		sed 's/^/# /' "$TMP/pack.log"
	fi
fi
# A sample a second, so that the job page's usage has something to draw.
start_daemon "jobs:
  metrics_interval: 1s
$RUNTIMES_YML" || exit 1

# start_ui ROLE: rnx ui with ROLE's configuration; prints the address it printed.
start_ui() {
	"$RNX" --config "$CERTS/rnx-config-$1.yml" ui >"$TMP/ui-$1.out" 2>"$TMP/ui-$1.err" &
	UI_PIDS="$UI_PIDS $!"
	_i=0
	while ! grep -q '^http://' "$TMP/ui-$1.out" && test $_i -lt 300; do
		kill -0 $! 2>/dev/null || break
		sleep 0.1
		_i=`expr $_i + 1`
	done
	head -n 1 "$TMP/ui-$1.out"
}
UI_URL=`start_ui admin`
UI_URL_READER=`start_ui reader`
ok 'test -n "$UI_URL" && test -n "$UI_URL_READER"' "two rnx ui serve (admin, reader)"
test -n "$UI_URL" || { sed 's/^/# /' "$TMP/ui-admin.err"; exit 1; }

# The browser part, in a process group of its own (the cleanup ends it whole),
# with a bound on its time.
UI_URL=$UI_URL UI_URL_READER=$UI_URL_READER RNX=$RNX RNX_CONFIG=$CERTS/rnx-config-admin.yml \
	CHROMIUM=$CHROMIUM CHROMEDRIVER=$CHROMEDRIVER WORK=$TMP/work SHOTS=$SHOTS REGISTRY=$REGISTRY \
	setsid timeout 150 "$PY" "$src/tests/ui/ui_browser.py" &
PY_PID=$!
wait $PY_PID
py_rc=$?
ok 'test $py_rc -eq 0' "the browser test ended cleanly (status $py_rc)"
if test $py_rc -ne 0; then
	tail -n 20 "$TMP/work/chromedriver.log" 2>/dev/null | sed 's/^/# chromedriver: /'
fi
