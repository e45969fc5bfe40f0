#!/usr/bin/env bash
# The add-in host benchmarks (scripts/bench.sh runs it for make bench; it
# also runs alone). Method of shared/bench-peers/README.md: loopback HTTPS,
# wrk -t2 -c64 -d10s --latency after a 2 s warm-up, each round a fresh
# server process, start = launch to the first 200 polling every 20 ms,
# peak RSS = VmHWM summed over the server's process tree.
#
#  1. cold start of `vmr-companion serve` with a fresh data dir (so the CA,
#     its key and the database are made by that start), medians of 5;
#  2. single-use reservations: 64 keep-alive HTTPS connections, distinct
#     item keys, every alias checked for duplicates (bench/loadgen);
#  3. the task pane's static files, this host against webpack-dev-server
#     5 in the same run: the peers' file set (bench/mkfiles) served by
#     bench/hoststatic (addinhost.New on a folder) and by webpack-dev-server
#     with the same bytes and the same ECDSA P-256 certificate; and, when
#     the binary embeds the add-in, its real files served by
#     `vmr-companion serve` and by webpack-dev-server.
#
# Figures go to bench/out/addinhost.md (raw rows in addinhost-raw.tsv).
# Every server runs on 127.0.0.1 for a fixed time and is stopped by its
# pid; the certificate, keys and data dirs live in a temporary folder that
# is removed at the end. Settings: BENCH_START_RUNS (5), BENCH_LOAD_RUNS (3),
# BENCH_DURATION (10s), BENCH_WARMUP (2s), BENCH_CONNS (64),
# BENCH_PORT_BASE (39443; three ports from it), BENCH_BIN, and BENCH_NICE:
# a niceness to run everything at (e.g. -10, as root) on a machine that is
# busy with other work, so that the servers and load generators measured get
# the cores first; the report states it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ -n "${BENCH_NICE:-}" ] && [ -z "${BENCH_NICED:-}" ]; then
	exec env BENCH_NICED=1 nice -n "$BENCH_NICE" "$0" "$@"
fi
out="bench/out"
mkdir -p "$out"
bin="${BENCH_BIN:-build/bin/vmr-companion}"
start_runs="${BENCH_START_RUNS:-5}"
load_runs="${BENCH_LOAD_RUNS:-3}"
dur="${BENCH_DURATION:-10s}"
warm="${BENCH_WARMUP:-2s}"
conns="${BENCH_CONNS:-64}"
port_serve="${BENCH_PORT_BASE:-39443}"
port_host=$((port_serve + 1))
port_wds=$((port_serve + 2))

say() { printf '%s\n' "$*" >&2; }
die() { say "bench-addinhost: $*"; exit 1; }

# ---------------------------------------------------------------- prerequisites
if [ ! -x "$bin" ]; then
	say "== $bin is missing: make build"
	make build
fi
for tool in go openssl curl node npm awk ps; do
	command -v "$tool" >/dev/null || die "$tool is required"
done
if ! command -v wrk >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
	say "== installing wrk"
	apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q wrk >/dev/null 2>&1; } || true
fi
use_wrk=0
command -v wrk >/dev/null && use_wrk=1
[ "$use_wrk" = 1 ] || say "wrk is not available: static loads use bench/loadgen instead"
if [ ! -d bench/wds/node_modules ] || [ bench/wds/package-lock.json -nt bench/wds/node_modules/.package-lock.json ]; then
	say "== npm ci in bench/wds (webpack-dev-server and @microsoft/office-js)"
	(cd bench/wds && npm ci --no-audit --no-fund --loglevel=error)
fi
for port in "$port_serve" "$port_host" "$port_wds"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		die "127.0.0.1:$port is in use; set BENCH_PORT_BASE"
	fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/vmr-bench-addinhost.XXXXXX")"
tools="$tmp/bin"
raw="$out/addinhost-raw.tsv"
logs="$tmp/logs"
mkdir -p "$tools" "$logs"

# Servers still running, by pid; stop_server takes them off the list, so a
# pid reused later is never signalled.
running=()
descendants() {
	local p
	for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$p"
		descendants "$p"
	done
}
stop_server() {
	local pid=$1 kids i rest=()
	for i in "${running[@]}"; do [ "$i" = "$pid" ] || rest+=("$i"); done
	running=("${rest[@]+"${rest[@]}"}")
	kill -0 "$pid" 2>/dev/null || return 0
	kids="$(descendants "$pid" | tr '\n' ' ')"
	# shellcheck disable=SC2086
	kill -TERM "$pid" $kids 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	say "pid $pid did not stop within 10 s of SIGTERM: SIGKILL"
	# shellcheck disable=SC2086
	kill -KILL "$pid" $kids 2>/dev/null || true
}
cleanup() {
	local pid
	for pid in "${running[@]+"${running[@]}"}"; do stop_server "$pid"; done
	# The last lines of each server log, for a failed run's post-mortem.
	if [ -d "$logs" ]; then
		for f in "$logs"/*.log; do
			[ -e "$f" ] || continue
			echo "--- $(basename "$f") (last 20 lines)"
			tail -n 20 "$f"
		done >"$out/addinhost-servers.log" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------- measuring
hz="$(getconf CLK_TCK)"
ncpu="$(nproc)"
# tree_ticks PID: CPU ticks (user + system) of pid and its descendants
tree_ticks() {
	local sum=0 p t
	for p in "$1" $(descendants "$1"); do
		t="$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')" || true
		sum=$((sum + ${t:-0}))
	done
	echo "$sum"
}
# tree_hwm_mib PID: VmHWM summed over pid and its descendants, in MiB
tree_hwm_mib() {
	local sum=0 p k
	for p in "$1" $(descendants "$1"); do
		k="$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null)" || true
		sum=$((sum + ${k:-0}))
	done
	awk -v k="$sum" 'BEGIN {printf "%.0f", k / 1024}'
}
# machine_ticks: busy and total ticks of all CPUs
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
median() { sort -g | awk '{a[NR] = $1} END {if (!NR) print "nan"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
secs() { awk -v d="$1" 'BEGIN {if (d ~ /ms$/) print d / 1000; else if (d ~ /m$/) print d * 60; else print d + 0}'; }

# start_server NAME URL CACERT-FLAG CACERT [startpoll flags] -- COMMAND...:
# launches, waits for the first 200, and sets START_LINE (startpoll's
# START line) and START_PID; the pid joins $running
start_server() {
	local name=$1 url=$2 certflag=$3 cert=$4
	shift 4
	rm -f "$tmp/$name.pid"
	START_LINE="$("$tools/startpoll" -url "$url" "$certflag" "$cert" -log "$logs/$name.log" -pidfile "$tmp/$name.pid" "$@")" || {
		[ -s "$tmp/$name.pid" ] && stop_server "$(cat "$tmp/$name.pid")"
		die "$name did not start; log: $(tail -n 5 "$logs/$name.log" 2>/dev/null)"
	}
	START_PID="$(field "$START_LINE" pid)"
	running+=("$START_PID")
}

# child_cpu: sets CHILD_CPU to the user + system seconds of the finished
# children of the calling shell (call it directly, not in $(...): the
# builtin times sees only its own shell's children)
child_cpu() {
	local f="$tmp/times.$BASHPID"
	times >"$f"
	CHILD_CPU="$(awk 'NR == 2 {for (i = 1; i <= 2; i++) {split($i, p, "m"); s += p[1] * 60 + p[2]}; print s}' "$f")"
}

# load SERVER-PID LABEL URL CACERT [gzip]: warm-up, then one measured load
# of GET URL; prints "rps p50_ms p99_ms errors server_cores busy_cores
# loadgen_cores" (cores: CPU seconds per second of the measured load; busy:
# every process on the machine)
load() {
	local pid=$1 label=$2 url=$3 cert=$4 gz=${5:-} s0 s1 m0 m1 c0 c1 res client
	local hdr=()
	[ -n "$gz" ] && hdr=(-H 'Accept-Encoding: gzip')
	if [ "$use_wrk" = 1 ]; then
		wrk -t2 -c"$conns" -d"$warm" "${hdr[@]+"${hdr[@]}"}" "$url" >/dev/null
		s0="$(tree_ticks "$pid")"
		read -r m0 <<<"$(machine_ticks | tr ' ' ':')"
		child_cpu
		c0="$CHILD_CPU"
		wrk -t2 -c"$conns" -d"$dur" --latency "${hdr[@]+"${hdr[@]}"}" "$url" >"$logs/wrk.out"
		child_cpu
		c1="$CHILD_CPU"
		read -r m1 <<<"$(machine_ticks | tr ' ' ':')"
		s1="$(tree_ticks "$pid")"
		client="$(awk -v a="$c0" -v b="$c1" -v d="$(secs "$dur")" 'BEGIN {printf "%.2f", (b - a) / d}')"
		cat "$logs/wrk.out" >>"$logs/wrk-all.txt"
		res="$(awk '
			function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v + 0 }
			/^Requests\/sec:/ {rps = $2}
			/^ +50%/ {p50 = ms($2)}
			/^ +99%/ {p99 = ms($2)}
			/Non-2xx or 3xx responses:/ {err += $NF}
			/Socket errors:/ {gsub(",", ""); err += $4 + $6 + $8 + $10}
			END {printf "%.1f %.3f %.3f %d", rps, p50, p99, err}' "$logs/wrk.out")"
	else
		local gzflag=()
		[ -n "$gz" ] && gzflag=(-gzip)
		local base="${url%%/addin/*}" path="/addin/${url#*/addin/}" line
		s0="$(tree_ticks "$pid")"
		read -r m0 <<<"$(machine_ticks | tr ' ' ':')"
		line="$("$tools/loadgen" -url "$base" -cacert "$cert" -c "$conns" -d "$dur" -warmup "$warm" -mode get -path "$path" "${gzflag[@]+"${gzflag[@]}"}" 2>>"$logs/loadgen.txt")"
		read -r m1 <<<"$(machine_ticks | tr ' ' ':')"
		s1="$(tree_ticks "$pid")"
		res="$(field "$line" rps) $(field "$line" p50_ms) $(field "$line" p99_ms) $(field "$line" failed)"
		client="$(field "$line" loadgen_cores)"
	fi
	awk -v res="$res" -v s="$((s1 - s0))" -v hz="$hz" -v d="$(secs "$dur")" -v m0="$m0" -v m1="$m1" -v n="$ncpu" -v c="$client" 'BEGIN {
		split(m0, a, ":"); split(m1, b, ":")
		printf "%s %.2f %.2f %.2f", res, s / hz / d, (b[1] - a[1]) / (b[2] - a[2]) * n, c }'
}

echo -e "bench\tround\tserver\twhat\tvalue1\tvalue2\tvalue3\tvalue4\tvalue5\tvalue6\tvalue7" >"$raw"
row() { (IFS=$'\t'; echo "$*") >>"$raw"; }

# ----------------------------------------------------------------------- setup
# A copy, so that a rebuild during the run does not change what is measured.
cp "$bin" "$tmp/vmr-companion"
bin="$tmp/vmr-companion"
bin_version="$("$bin" version 2>/dev/null | head -n 1)"
say "== building the load generator and helpers"
go build -o "$tools/" ./bench/loadgen ./bench/startpoll ./bench/hoststatic ./bench/mkfiles
say "== a self-signed ECDSA P-256 certificate for 127.0.0.1 (this run only)"
mkdir -p "$tmp/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$tmp/certs/key.pem" -out "$tmp/certs/cert.pem" -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
cert="$tmp/certs/cert.pem"
say "== the peers' task pane file set"
"$tools/mkfiles" -out "$tmp/site/addin" -js bench/wds/node_modules/@microsoft/office-js/dist/outlook-web-16.01.js >"$logs/files.txt"
cat "$logs/files.txt" >&2
# The serve processes must not reach the session's keychain: a fresh data
# dir's CA key would replace the developer's own under the same account.
# A bus address that leads nowhere makes the keychain unavailable, so the
# key goes to the data dir's fallback file.
nobus="unix:path=$tmp/no-session-bus"
wds_cmd=(-dir bench/wds -- node node_modules/webpack-cli/bin/cli.js serve --config webpack.config.js)
wds_version="$(node -p 'require("./bench/wds/node_modules/webpack-dev-server/package.json").version')"
webpack_version="$(node -p 'require("./bench/wds/node_modules/webpack/package.json").version')"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"

# ------------------------------------------------ 1. cold start of serve
say "== 1. cold start of vmr-companion serve (fresh data dir), $start_runs runs"
# A first start, not counted, loads the binary into the page cache and
# tells whether it embeds the add-in (then the peers' path is polled).
dd="$tmp/serve-probe"
DBUS_SESSION_BUS_ADDRESS="$nobus" start_server serve-probe "https://127.0.0.1:$port_serve/healthz" -cacert-wait "$dd/devcert/ca.pem" \
	-- "$bin" --data-dir "$dd" serve --listen "127.0.0.1:$port_serve" --reservation-rate 0
probe_pid="$START_PID"
serve_ca="$dd/devcert/ca.pem"
cold_path=/healthz
real_addin=0
if [ "$(curl -s --cacert "$serve_ca" -o "$tmp/real-taskpane.html" -w '%{http_code}' "https://127.0.0.1:$port_serve/addin/taskpane.html")" = 200 ]; then
	cold_path=/addin/taskpane.html
	real_addin=1
	# The real add-in's files as this binary serves them, for the second
	# side-by-side: the page and every local script and style it names.
	mkdir -p "$tmp/real/addin"
	cp "$tmp/real-taskpane.html" "$tmp/real/addin/taskpane.html"
	for ref in $(grep -oE '(src|href)="[^"]+"' "$tmp/real-taskpane.html" | sed -E 's/^[a-z]+="//; s/"$//' | grep -vE '^(https?:)?//' | sort -u); do
		case "$ref" in
		/addin/*) rel="${ref#/addin/}" ;;
		/*) continue ;;
		*) rel="${ref#./}" ;;
		esac
		mkdir -p "$tmp/real/addin/$(dirname "$rel")"
		curl -sf --cacert "$serve_ca" -o "$tmp/real/addin/$rel" "https://127.0.0.1:$port_serve/addin/$rel" || rm -f "$tmp/real/addin/$rel"
	done
	real_js="$(find "$tmp/real/addin" -name '*.js' -printf '%s %P\n' | sort -n | tail -n 1 | cut -d' ' -f2)"
	[ -n "$real_js" ] || real_addin=0
fi
stop_server "$probe_pid"
[ -f "$dd/devcert/ca-key.pem" ] && ca_key="the data dir's fallback file, the keychain being kept out of reach" || ca_key="the keychain"
say "   polling $cold_path; the binary $([ "$real_addin" = 1 ] && echo embeds || echo does not embed) the add-in"
for i in $(seq "$start_runs"); do
	dd="$tmp/serve-cold-$i"
	line="$(DBUS_SESSION_BUS_ADDRESS="$nobus" "$tools/startpoll" -url "https://127.0.0.1:$port_serve$cold_path" -cacert-wait "$dd/devcert/ca.pem" \
		-log "$logs/serve-cold.log" -stop -- "$bin" --data-dir "$dd" serve --listen "127.0.0.1:$port_serve" --reservation-rate 0)"
	say "   $line"
	row cold "$i" serve "$cold_path" "$(field "$line" ms)" "$(awk -v k="$(field "$line" hwm_kib)" 'BEGIN {printf "%.0f", k / 1024}')" "$(field "$line" attempts)"
done

# ------------------------------------------------ 2. reservations
say "== 2. single-use reservations: $conns connections, $dur after $warm warm-up, $load_runs fresh servers"
for r in $(seq "$load_runs"); do
	dd="$tmp/serve-reserve-$r"
	DBUS_SESSION_BUS_ADDRESS="$nobus" "$bin" --data-dir "$dd" integrations create --json \
		--set name=Bench --set url=https://exchange.invalid/EWS/Exchange.asmx --set room_mailbox_email_address=vmr@example.com \
		--set username=svc-vmr --set scheduled_alias_prefix=meet --set scheduled_alias_domain=vc.example.com >"$tmp/integration.json"
	uuid="$(grep -m1 -oE '"uuid": *"[0-9a-f-]{36}"' "$tmp/integration.json" | grep -oE '[0-9a-f-]{36}')"
	suffix_len="$(grep -m1 -oE '"scheduled_alias_suffix_length": *[0-9]+' "$tmp/integration.json" | grep -oE '[0-9]+$')"
	DBUS_SESSION_BUS_ADDRESS="$nobus" start_server "serve-reserve-$r" "https://127.0.0.1:$port_serve/healthz" -cacert-wait "$dd/devcert/ca.pem" \
		-- "$bin" --data-dir "$dd" serve --listen "127.0.0.1:$port_serve" --reservation-rate 0
	pid="$START_PID"
	s0="$(tree_ticks "$pid")"
	read -r m0 <<<"$(machine_ticks | tr ' ' ':')"
	res="$("$tools/loadgen" -url "https://127.0.0.1:$port_serve" -cacert "$dd/devcert/ca.pem" -c "$conns" -d "$dur" -warmup "$warm" \
		-mode reserve -integration "$uuid" 2>>"$logs/loadgen.txt")"
	read -r m1 <<<"$(machine_ticks | tr ' ' ':')"
	s1="$(tree_ticks "$pid")"
	hwm="$(tree_hwm_mib "$pid")"
	stop_server "$pid"
	cores="$(awk -v s="$((s1 - s0))" -v hz="$hz" -v d="$(secs "$dur")" -v m0="$m0" -v m1="$m1" -v n="$ncpu" 'BEGIN {
		split(m0, a, ":"); split(m1, b, ":"); printf "%.2f %.2f", s / hz / d, (b[1] - a[1]) / (b[2] - a[2]) * n }')"
	say "   $res server_cores=${cores% *} machine_busy_cores=${cores#* } peak_rss_mib=$hwm"
	row reserve "$r" serve reserve "$(field "$res" rps)" "$(field "$res" p50_ms)" "$(field "$res" p99_ms)" "$(field "$res" failed)" \
		"$(field "$res" answers)/$(field "$res" distinct)/$(field "$res" dup_aliases)/$(field "$res" dup_numeric)/$(field "$res" dup_uuids)/$(field "$res" not_created)" \
		"$cores" "$hwm/$(field "$res" loadgen_cores)"
done

# ------------------------------------------------ 3. side by side
host_cmd=(-- "$tools/hoststatic" -dir "$tmp/site/addin" -cert "$cert" -key "$tmp/certs/key.pem" -listen "127.0.0.1:$port_host")
export BENCH_WDS_PORT="$port_wds" BENCH_WDS_CERTS="$tmp/certs"

say "== 3a. start to first 200 of /addin/taskpane.html: this host and webpack-dev-server $wds_version, $start_runs runs each"
for i in $(seq "$start_runs"); do
	line="$("$tools/startpoll" -url "https://127.0.0.1:$port_host/addin/taskpane.html" -cacert "$cert" -log "$logs/host-start.log" -stop "${host_cmd[@]}")"
	say "   host $line"
	row start "$i" host /addin/taskpane.html "$(field "$line" ms)"
	line="$(BENCH_WDS_STATIC="$tmp/site" "$tools/startpoll" -url "https://127.0.0.1:$port_wds/addin/taskpane.html" -cacert "$cert" -log "$logs/wds-start.log" -stop "${wds_cmd[@]}")"
	say "   wds  $line"
	row start "$i" wds /addin/taskpane.html "$(field "$line" ms)"
done

# same_bytes NAME BASE CACERT DIR: checks that every file of DIR comes back
# byte for byte, and records the gzip size of each compressible one
same_bytes() {
	local name=$1 base=$2 ca=$3 dir=$4 f rel got want gz
	while read -r f; do
		rel="${f#"$dir"/}"
		want="$(sha256sum <"$f" | cut -d' ' -f1)"
		got="$(curl -sf --cacert "$ca" "$base/addin/$rel" | sha256sum | cut -d' ' -f1)"
		[ "$got" = "$want" ] || die "$name serves other bytes for /addin/$rel"
		gz="$(curl -sf --cacert "$ca" -H 'Accept-Encoding: gzip' -D "$tmp/headers" "$base/addin/$rel" | wc -c)"
		grep -qi '^content-encoding: *gzip' "$tmp/headers" || gz="-"
		row bytes 0 "$name" "/addin/$rel" "$(stat -c %s "$f")" "$gz"
	done < <(find "$dir" -type f | sort)
}

# pair_round SET ROUND JS-PATH NAME:PID:BASE-URL:CACERT NAME:PID:BASE-URL:CACERT:
# the html, js and js gzip loads of two fresh servers, taking turns so
# that both see the same background load, then their peak RSS; stops them
pair_round() {
	local set=$1 r=$2 js=$3 what url res srv name pid base ca
	shift 3
	for what in html js js-gzip; do
		for srv in "$@"; do
			IFS='|' read -r name pid base ca <<<"$srv"
			case "$what" in
			html) url="$base/addin/taskpane.html" ;;
			*) url="$base/addin/$js" ;;
			esac
			res="$(load "$pid" "$name $what" "$url" "$ca" "$([ "$what" = js-gzip ] && echo gzip)")"
			say "   $set $name $what: req/s p50 p99 errors server-cores busy-cores loadgen-cores = $res"
			row "$set" "$r" "$name" "$what" $res
		done
	done
	for srv in "$@"; do
		IFS='|' read -r name pid base ca <<<"$srv"
		if [ "$r" = 1 ] && [ "$set" = peers ]; then
			# The Go load generator on the same page, to compare it with
			# wrk (the reservation figures come from it).
			res="$("$tools/loadgen" -url "$base" -cacert "$ca" -c "$conns" -d "$dur" -warmup "$warm" -mode get -path /addin/taskpane.html 2>>"$logs/loadgen.txt")"
			say "   $set $name html with bench/loadgen: $res"
			row loadgen-html 1 "$name" html "$(field "$res" rps)" "$(field "$res" p50_ms)" "$(field "$res" p99_ms)" "$(field "$res" failed)" "$(field "$res" loadgen_cores)"
		fi
		row "$set-rss" "$r" "$name" peak "$(tree_hwm_mib "$pid")"
		stop_server "$pid"
	done
}

say "== 3b. the peers' file set, this host (bench/hoststatic) and webpack-dev-server taking turns: $load_runs rounds"
for r in $(seq "$load_runs"); do
	start_server host "https://127.0.0.1:$port_host/addin/taskpane.html" -cacert "$cert" "${host_cmd[@]}"
	host_pid="$START_PID"
	BENCH_WDS_STATIC="$tmp/site" start_server wds "https://127.0.0.1:$port_wds/addin/taskpane.html" -cacert "$cert" "${wds_cmd[@]}"
	wds_pid="$START_PID"
	if [ "$r" = 1 ]; then
		same_bytes host "https://127.0.0.1:$port_host" "$cert" "$tmp/site/addin"
		same_bytes wds "https://127.0.0.1:$port_wds" "$cert" "$tmp/site/addin"
	fi
	pair_round peers "$r" taskpane.js "host|$host_pid|https://127.0.0.1:$port_host|$cert" "wds|$wds_pid|https://127.0.0.1:$port_wds|$cert"
done

if [ "$real_addin" = 1 ]; then
	say "== 3c. the real add-in (taskpane.html, $real_js), vmr-companion serve and webpack-dev-server: $load_runs rounds"
	for r in $(seq "$load_runs"); do
		dd="$tmp/serve-real-$r"
		DBUS_SESSION_BUS_ADDRESS="$nobus" start_server "serve-real-$r" "https://127.0.0.1:$port_serve/addin/taskpane.html" -cacert-wait "$dd/devcert/ca.pem" \
			-- "$bin" --data-dir "$dd" serve --listen "127.0.0.1:$port_serve" --reservation-rate 0
		serve_pid="$START_PID"
		BENCH_WDS_STATIC="$tmp/real" start_server wds-real "https://127.0.0.1:$port_wds/addin/taskpane.html" -cacert "$cert" "${wds_cmd[@]}"
		wds_pid="$START_PID"
		if [ "$r" = 1 ]; then
			same_bytes serve-real "https://127.0.0.1:$port_serve" "$dd/devcert/ca.pem" "$tmp/real/addin"
			same_bytes wds-real "https://127.0.0.1:$port_wds" "$cert" "$tmp/real/addin"
		fi
		pair_round real "$r" "$real_js" "serve|$serve_pid|https://127.0.0.1:$port_serve|$dd/devcert/ca.pem" "wds|$wds_pid|https://127.0.0.1:$port_wds|$cert"
	done
fi
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# --------------------------------------------------------------------- report
# col BENCH SERVER WHAT COLUMN: the column's values (5 = value1)
col() { awk -F'\t' -v b="$1" -v s="$2" -v w="$3" -v c="$4" '$1 == b && $3 == s && (w == "" || $4 == w) {print $c}' "$raw"; }
med() { col "$@" | median; }
list() { col "$@" | tr '\n' ' ' | sed 's/ $//; s/ /, /g'; }
fmt0() { awk -v v="$1" 'BEGIN {if (v == "nan" || v == "") {print "–"; exit}
	s = sprintf("%.0f", v); r = ""; while (length(s) > 3) {r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3)}; print s r}'; }
fmt1() { awk -v v="$1" 'BEGIN {if (v == "nan" || v == "") print "–"; else printf "%.1f", v}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "nan" || b == "nan" || b == 0 || a == "" || b == "") print "–"; else printf "%.1f×", a / b}'; }
meets() { awk -v v="$1" -v t="$2" 'BEGIN {if (v == "nan" || v == "") print "–"; else print (v + 0 >= t ? "met" : "**not met**")}'; }
# cpu_table SET NAME1 LABEL1 NAME2 LABEL2: median CPU of each load, the
# server's, the load generator's and the rest of the machine's
cpu_table() {
	local set=$1 what name label
	echo "| CPU during the loads (cores): server / $([ "$use_wrk" = 1 ] && echo wrk || echo loadgen) / rest of the machine | html | js | js gzip |"
	echo "|---|---|---|---|"
	for name in "$2:$3" "$4:$5"; do
		label="${name#*:}"
		name="${name%%:*}"
		printf '| %s |' "$label"
		for what in html js js-gzip; do
			awk -F'\t' -v b="$set" -v s="$name" -v w="$what" '$1 == b && $3 == s && $4 == w {print $9, $11, $10 - $9 - $11}' "$raw" |
				sort -g | awk '{a[NR] = $0} END {split(a[int((NR + 1) / 2)], m, " "); printf " %.2f / %.2f / %.2f |", m[1], m[2], m[3]}'
		done
		echo
	done
}
dedup() { awk -F'\t' '$1 == "reserve" {split($9, a, "/"); n += a[1]; d += a[3] + a[4] + a[5]; nc += a[6]} END {printf "%d %d %d", n, d, nc}' "$raw"; }

cold_med="$(med cold serve "" 5)"
host_start="$(med start host "" 5)"
wds_start="$(med start wds "" 5)"
res_rps="$(med reserve serve "" 5)"
res_p99="$(med reserve serve "" 7)"
read -r res_answers res_dups res_notcreated <<<"$(dedup)"
res_errors="$(col reserve serve "" 8 | awk '{s += $1} END {print s + 0}')"
res_ok="no"
awk -v r="$res_rps" -v p="$res_p99" 'BEGIN {exit !(r >= 3000 && p < 20)}' && res_ok="yes"

{
	echo "## Add-in host benchmarks ($started_at)"
	echo
	echo "$ncpu cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load average $load_start at the start and $load_end at the end;"
	echo "servers and load generator share the cores; niceness $(nice); medians; made by scripts/bench-addinhost.sh."
	echo "Loads: $([ "$use_wrk" = 1 ] && echo "\`wrk -t2 -c$conns -d$dur --latency\`" || echo "bench/loadgen (wrk was not available)") after a $warm warm-up, HTTP/1.1 keep-alive over"
	echo "HTTPS on 127.0.0.1, fresh server processes each round ($load_runs rounds), the two servers compared taking turns load by load."
	echo
	echo "Binary: \`$bin_version\`."
	echo
	echo "### Cold start of \`vmr-companion serve\`"
	echo
	echo "Launch to the first 200 of \`$cold_path\`, polling every 20 ms with a client that trusts \`<data-dir>/devcert/ca.pem\`"
	echo "once it appears. Each start has a fresh data dir, so it makes the CA, its key (here in $ca_key) and the database."
	echo
	echo "| | median | runs |"
	echo "|---|---|---|"
	echo "| launch to first 200 | $(fmt1 "$cold_med") ms | $(list cold serve "" 5) ms |"
	echo "| peak RSS at the first 200 | $(med cold serve "" 6) MiB | $(list cold serve "" 6) MiB |"
	echo
	echo "### Single-use reservations"
	echo
	echo "\`POST /api/v1/integrations/{uuid}/reservations\` with a distinct item key each, $conns connections, $dur after a $warm"
	echo "warm-up (bench/loadgen, verified TLS, HTTP/1.1 keep-alive); \`serve --reservation-rate 0\`, a fresh data dir per round,"
	echo "the integration's default ${suffix_len:-?}-digit alias suffix. Every answer must be 201 with \`created: true\`; aliases"
	echo "of every answer (warm-up included) are checked for duplicates."
	echo
	echo "| round | reservations/s | p50 | p99 | errors | server CPU | all CPUs busy | peak RSS / load generator CPU |"
	echo "|---|---|---|---|---|---|---|---|"
	awk -F'\t' '$1 == "reserve" {split($10, c, " "); split($11, h, "/"); printf "| %s | %.0f | %.1f ms | %.1f ms | %d | %.2f cores | %.2f cores | %s MiB / %.2f cores |\n", $2, $5, $6, $7, $8, c[1], c[2], h[1], h[2]}' "$raw"
	echo "| **median** | **$(fmt0 "$res_rps")** | $(fmt1 "$(med reserve serve "" 6)") ms | **$(fmt1 "$res_p99") ms** | $res_errors in all | | | |"
	echo
	echo "Answers checked: $(fmt0 "$res_answers"), duplicate aliases (alias, numeric alias or alias uuid): **$res_dups**, answers not"
	echo "created: $res_notcreated. Target ≥ 3,000 reservations/s with p99 < 20 ms: **$([ "$res_ok" = yes ] && echo met || echo "not met")**."
	echo
	echo "### Task pane files: this host and webpack-dev-server $wds_version (webpack $webpack_version), same run"
	echo
	echo "The peers' file set ($(awk '{printf "%s%s %s B", (NR > 1 ? ", " : ""), $1, $2}' "$logs/files.txt"); taskpane.js is the first"
	echo "148 KiB of @microsoft/office-js outlook-web-16.01.js) at \`/addin/…\` on both, checked byte for byte, with one self-signed"
	echo "ECDSA P-256 certificate. This host is bench/hoststatic: \`addinhost.New\` with \`AddinFiles: os.DirFS(folder)\` and that"
	echo "certificate, so the same server code as \`vmr-companion serve\` (files in memory, gzip made once, ETag) without the"
	echo "integrations. webpack-dev-server runs the peers' config (bench/wds/webpack.config.js) on the same folder."
	echo
	echo "| | this host | webpack-dev-server | ratio | target |"
	echo "|---|---|---|---|---|"
	echo "| start to first 200 of taskpane.html (median of $start_runs) | $(fmt1 "$host_start") ms | $(fmt0 "$wds_start") ms | $(ratio "$wds_start" "$host_start") faster | ≥ 10×: $(meets "$(awk -v a="$wds_start" -v b="$host_start" 'BEGIN {print a / b}')" 10) |"
	echo "| \`vmr-companion serve\` cold start (section 1) against it | $(fmt1 "$cold_med") ms | $(fmt0 "$wds_start") ms | $(ratio "$wds_start" "$cold_med") faster | ≥ 10×: $(meets "$(awk -v a="$wds_start" -v b="$cold_med" 'BEGIN {print a / b}')" 10) |"
	for what in html js js-gzip; do
		h="$(med peers host "$what" 5)"
		w="$(med peers wds "$what" 5)"
		label="$what req/s"
		[ "$what" = js-gzip ] && label="js req/s, \`Accept-Encoding: gzip\`"
		echo "| $label | $(fmt0 "$h") | $(fmt0 "$w") | $(ratio "$h" "$w") | ≥ 5×: $(meets "$(awk -v a="$h" -v b="$w" 'BEGIN {print (b > 0 ? a / b : "nan")}')" 5) |"
	done
	echo "| p99 html / js / js gzip | $(fmt1 "$(med peers host html 7)") / $(fmt1 "$(med peers host js 7)") / $(fmt1 "$(med peers host js-gzip 7)") ms | $(fmt1 "$(med peers wds html 7)") / $(fmt1 "$(med peers wds js 7)") / $(fmt1 "$(med peers wds js-gzip 7)") ms | | |"
	echo "| errors (non-2xx, socket) in all rounds | $(col peers host "" 8 | awk '{s += $1} END {print s + 0}') | $(col peers wds "" 8 | awk '{s += $1} END {print s + 0}') | | |"
	echo "| peak RSS (VmHWM over the process tree) | $(med peers-rss host "" 5) MiB | $(med peers-rss wds "" 5) MiB | $(ratio "$(med peers-rss wds "" 5)" "$(med peers-rss host "" 5)") less | |"
	echo "| gzip size of taskpane.js | $(awk -F'\t' '$1 == "bytes" && $3 == "host" && $4 == "/addin/taskpane.js" {print $6}' "$raw") B | $(awk -F'\t' '$1 == "bytes" && $3 == "wds" && $4 == "/addin/taskpane.js" {print $6}' "$raw") B | | |"
	echo
	cpu_table peers host "this host" wds webpack-dev-server
	echo
	echo "Runs — start ms: this host $(list start host "" 5); webpack-dev-server $(list start wds "" 5)."
	for what in html js js-gzip; do
		echo "Runs — $what req/s: this host $(list peers host "$what" 5); webpack-dev-server $(list peers wds "$what" 5)."
	done
	echo "The Go load generator on taskpane.html (round 1, for comparison with wrk): this host $(fmt0 "$(col loadgen-html host "" 5)") req/s"
	echo "(p99 $(col loadgen-html host "" 7) ms, load generator $(col loadgen-html host "" 9) cores), webpack-dev-server $(fmt0 "$(col loadgen-html wds "" 5)") req/s (p99 $(col loadgen-html wds "" 7) ms)."
	if [ "$real_addin" = 1 ]; then
		echo
		echo "### The real add-in: \`vmr-companion serve\` and webpack-dev-server"
		echo
		echo "The files this binary embeds (\`/addin/taskpane.html\` and what it links; js = \`$real_js\`), fetched from it and"
		echo "served by webpack-dev-server from a folder: the same bytes (checked). \`serve\` uses its own local CA certificate,"
		echo "webpack-dev-server the self-signed one; \`serve\` adds the Content-Security-Policy and the request log."
		echo
		echo "| | vmr-companion serve | webpack-dev-server | ratio | target |"
		echo "|---|---|---|---|---|"
		for what in html js js-gzip; do
			h="$(med real serve "$what" 5)"
			w="$(med real wds "$what" 5)"
			label="$what req/s"
			[ "$what" = js-gzip ] && label="js req/s, \`Accept-Encoding: gzip\`"
			echo "| $label | $(fmt0 "$h") | $(fmt0 "$w") | $(ratio "$h" "$w") | ≥ 5×: $(meets "$(awk -v a="$h" -v b="$w" 'BEGIN {print (b > 0 ? a / b : "nan")}')" 5) |"
		done
		echo "| p99 html / js / js gzip | $(fmt1 "$(med real serve html 7)") / $(fmt1 "$(med real serve js 7)") / $(fmt1 "$(med real serve js-gzip 7)") ms | $(fmt1 "$(med real wds html 7)") / $(fmt1 "$(med real wds js 7)") / $(fmt1 "$(med real wds js-gzip 7)") ms | | |"
		echo "| errors in all rounds | $(col real serve "" 8 | awk '{s += $1} END {print s + 0}') | $(col real wds "" 8 | awk '{s += $1} END {print s + 0}') | | |"
		echo "| peak RSS (VmHWM over the process tree) | $(med real-rss serve "" 5) MiB | $(med real-rss wds "" 5) MiB | $(ratio "$(med real-rss wds "" 5)" "$(med real-rss serve "" 5)") less | |"
		echo
		cpu_table real serve "vmr-companion serve" wds webpack-dev-server
	fi
	echo
	echo "Caveats: the load generator and the server share the $ncpu cores (\"all CPUs busy\" and \"rest of the machine\""
	echo "include anything else running); wrk uses less CPU per request than bench/loadgen, which the reservation figures"
	echo "come from. Ratios are from this run; absolute figures move with the machine's load. Uncompressed js is bound by"
	echo "TLS encryption of 148 KiB per answer: the peers' own figures give 3.8× there (10,881 against 2,865 req/s), so"
	echo "the ≥ 5× target can only be expected for html and gzip. With $conns clients each waiting for its answer, mean latency is"
	echo "$conns / throughput (Little's law): p99 < 20 ms for reservations needs well over $((conns * 50)) reservations/s."
} >"$out/addinhost.md"
cat "$out/addinhost.md"
