# bench_daemon.sh - sourced by the benchmarks that drive `joblet serve`
# (bench_api.sh, bench_cron.sh): timing helpers, and
#
#   bench_unmount_all
#       unmount what the daemon's jobs left mounted under $tmp (their /work).
#
#   bench_daemon_start TOP_YAML [SERVER_YAML]
#       `joblet certs init` into $tmp/certs, then `joblet serve` on a free
#       loopback port with its state in $tmp/state, the build tree's plugins,
#       TOP_YAML at the top level of joblet.yml and SERVER_YAML under server:
#       (indented as there).  Waits until it serves.  Needs $build, $tmp and
#       $joblet; sets $C (the certificates), $daemon (its pid), $port, $url and
#       the array jcurl (curl with the developer client's certificate).
#
#   bench_burst N CLIENTS
#       N jobs of `true` from CLIENTS concurrent curls (each posting its
#       share over one kept-alive connection), until the last has ended;
#       sets burst_n (the jobs run), burst_s (seconds from the first
#       request to the last end), burst_jps (jobs/s over them) and
#       burst_sub_ps (submissions/s).

now_ns() { date +%s%N; }

# The daemon keeps each ended job's /work mounted until the job is deleted
# (docs/results.md): a cleanup unmounts what its own jobs left under $tmp
# before removing it.
bench_unmount_all() {
	awk -v t="$tmp" '$5 == t || index($5, t "/") == 1 {print $5}' /proc/self/mountinfo 2>/dev/null |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

bench_daemon_start() {
	"$joblet" certs init --dir "$tmp/certs" >/dev/null
	C="$tmp/certs"
	cat >"$tmp/joblet.yml" <<EOF
plugins:
  dirs: [$build/build-plugins]
paths:
  state_dir: $tmp/state
logging:
  level: info
$1
server:
  address: 127.0.0.1:0
${2:-}
  tls:
    cert: $C/server.pem
    key: $C/server-key.pem
    client_ca: $C/ca.pem
EOF
	"$joblet" --config "$tmp/joblet.yml" serve >"$tmp/daemon.log" 2>&1 &
	daemon=$!
	for _ in $(seq 100); do grep -q "serving; state" "$tmp/daemon.log" && break; sleep 0.1; done
	port=$(sed -n 's|.*API on https://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$tmp/daemon.log")
	[ -n "$port" ] || { cat "$tmp/daemon.log"; exit 1; }
	url=https://127.0.0.1:$port
	jcurl=(curl -sS --cacert "$C/ca.pem" --cert "$C/client-developer.pem" --key "$C/client-developer-key.pem")
}

ended_total() { "${jcurl[@]}" "$url/metrics" | awk '$1 == "joblet_jobs_ended_total" { print $2 }'; }

bench_burst() {
	local per=$(($1 / $2)) base want t0 t_sub t1 c pids=() urls
	base=$(ended_total)
	t0=$(now_ns)
	for c in $(seq "$2"); do
		urls=()
		for _ in $(seq "$per"); do urls+=(-o /dev/null "$url/v1/jobs"); done
		"${jcurl[@]}" -X POST -H 'Content-Type: application/json' \
			-d '{"command":["true"]}' "${urls[@]}" &
		pids+=($!)
	done
	for c in "${pids[@]}"; do wait "$c"; done
	t_sub=$(now_ns)
	burst_n=$((per * $2))
	want=$((base + burst_n))
	while [ "$(ended_total)" -lt "$want" ]; do sleep 0.05; done
	t1=$(now_ns)
	burst_jps=$(awk -v n="$burst_n" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
	burst_sub_ps=$(awk -v n="$burst_n" -v ns=$((t_sub - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
	burst_s=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", ns / 1e9 }')
}
