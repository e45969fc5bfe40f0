#!/usr/bin/env bash
# The high-availability benchmarks (app/cli/ha_bench_test.go; scripts/bench.sh
# may call it, it also runs alone): real `serve` processes (the test binary
# re-run as TestBenchServeChild) on one database, the encrypted secrets
# backend with one key file, one test CA's certificate for 127.0.0.1, a
# fake Exchange (backend/ews/ewstest) per room mailbox, PostgreSQL 15 from
# backend/pgtest (a private cluster, removed afterwards).
#
#  1. reservations/s, p50 and p99: 64 keep-alive HTTPS clients (distinct
#     item keys, round-robin over the instances) against 1 instance on
#     SQLite, 1 on PostgreSQL and 3 on one PostgreSQL database, same run;
#     every answer must be 201 with an alias never handed out before;
#  2. meetings/s: 10 room mailboxes × 200 meeting requests waiting in the
#     fake Exchange, from launching the instances until every meeting has
#     its reply (exactly one);
#  3. failover: 3 instances on PostgreSQL; a mailbox's owner, caught in the
#     middle of a pass, is SIGKILLed and a new meeting sent to the mailbox:
#     time until it is answered; same host (20 rounds a run) and cross host
#     (each instance in a UTS namespace with a host name of its own, so the
#     lease must expire; BENCH_HA_CROSSHOST_ROUNDS rounds, one run).
#
# Figures (medians of BENCH_RUNS runs) go to bench/out/ha.md, the raw go
# test output to bench/out/ha-bench.txt. Settings: BENCH_RUNS (3),
# BENCH_HA_CONNS (64), BENCH_HA_DURATION (5s), BENCH_HA_WARMUP (1s),
# BENCH_HA_MAILBOXES (10), BENCH_HA_MEETINGS (200 per mailbox),
# BENCH_HA_MEETINGS_LIMIT (6m), BENCH_HA_FAILOVER_ROUNDS (20),
# BENCH_HA_CROSSHOST_ROUNDS (3; 0 leaves the cross-host case out),
# BENCH_HA_WAKE (100ms: how often the failover instances wake their
# workers, standing in for serve's poll, 30 s by default and at least 1 s with --poll).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="bench/out"
mkdir -p "$out"
runs="${BENCH_RUNS:-3}"
cross="${BENCH_HA_CROSSHOST_ROUNDS:-3}"
raw="$out/ha-bench.txt"
status=0

echo "== HA: reservations, meetings and same-host failover ($runs runs)"
BENCH_HA_CROSSHOST_ROUNDS=0 go test ./app/cli/ -run '^$' -bench 'HA' -benchtime 1x -count "$runs" -timeout 120m | tee "$raw" || status=1
if [ "$cross" -gt 0 ]; then
	echo "== HA: cross-host failover ($cross rounds, each waits for the lease to expire)"
	BENCH_HA_CROSSHOST_ROUNDS="$cross" go test ./app/cli/ -run '^$' -bench 'HAFailover/cross-host' -benchtime 1x -count 1 -timeout 60m | tee -a "$raw" || status=1
fi

# A failed benchmark does not always fail go test (a sub-benchmark's
# b.Fatal under -count): look for it.
if grep -q -- '--- FAIL' "$raw"; then
	status=1
fi

# values BENCH UNIT: the figure of every run of a benchmark (name without
# the GOMAXPROCS suffix)
values() { grep -E "^$1-[0-9]+[[:space:]]" "$raw" | awk -v unit="$2" '{for (i = 2; i <= NF; i++) if ($i == unit) print $(i-1)}'; }
median() { values "$1" "$2" | sort -g | awk '{a[NR] = $1} END {if (!NR) print "nan"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
maximum() { values "$1" "$2" | sort -g | tail -n 1 | awk 'END {if (!NR) print "nan"; else print}'; }
total() { values "$1" "$2" | awk '{s += $1} END {print (NR ? s : "nan")}'; }
count() { values "$1" "$2" | wc -l; }
fmt0() { awk -v v="$1" 'BEGIN {if (v == "nan") print "–"; else printf "%.0f", v}'; }
fmt1() { awk -v v="$1" 'BEGIN {if (v == "nan") print "–"; else printf "%.1f", v}'; }
secs() { awk -v v="$1" 'BEGIN {if (v == "nan") print "–"; else if (v >= 10000) printf "%.1f s", v / 1000; else printf "%.0f ms", v}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "nan" || b == "nan" || b == 0) print "–"; else printf "%.2f×", a / b}'; }

r=BenchmarkHAReservations
m=BenchmarkHAMeetings
f=BenchmarkHAFailover
rs="$(median $r/sqlite-1 reservations/s)"
r1="$(median $r/postgres-1 reservations/s)"
r3="$(median $r/postgres-3 reservations/s)"
ms="$(median $m/sqlite-1 meetings/s)"
m1="$(median $m/postgres-1 meetings/s)"
m3="$(median $m/postgres-3 meetings/s)"
row() { # label unit fmt
	local a b c
	a="$(median $r/sqlite-1 "$2")" b="$(median $r/postgres-1 "$2")" c="$(median $r/postgres-3 "$2")"
	echo "| $1 | $($3 "$a") | $($3 "$b") | $($3 "$c") | $(ratio "$c" "$b") | $(ratio "$c" "$a") |"
}

{
	echo "## High availability ($(date -u '+%Y-%m-%d %H:%M UTC'))"
	echo
	echo "$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); every process (the instances, PostgreSQL,"
	echo "the clients, the fake Exchange) shares them. Medians of $runs runs; made by scripts/bench-ha.sh"
	echo "(app/cli/ha_bench_test.go): real \`serve\` processes, \`--secrets encrypted\`, PostgreSQL 15 (backend/pgtest, Unix socket, fsync off)."
	echo
	echo "### Reservations"
	echo
	echo "${BENCH_HA_CONNS:-64} keep-alive HTTPS clients for ${BENCH_HA_DURATION:-5s} after ${BENCH_HA_WARMUP:-1s}, each POSTing a new item key to"
	echo "\`/api/v1/integrations/{uuid}/reservations\` as soon as its last answer came, round-robin over the instances"
	echo "(\`--auth none\`, \`--reservation-rate 0\`). Aliases of every answer are checked for duplicates (a duplicate fails the run)."
	echo
	echo "| | 1 × SQLite | 1 × PostgreSQL | 3 × PostgreSQL | 3 PG / 1 PG | 3 PG / SQLite |"
	echo "|---|---|---|---|---|---|"
	row "reservations/s" reservations/s fmt0
	row "p50 (ms)" p50-ms fmt1
	row "p99 (ms)" p99-ms fmt1
	echo "| 5xx answers, all runs | $(fmt0 "$(total $r/sqlite-1 5xx)") | $(fmt0 "$(total $r/postgres-1 5xx)") | $(fmt0 "$(total $r/postgres-3 5xx)") | | |"
	echo
	echo "### Meetings from the fake Exchange"
	echo
	echo "${BENCH_HA_MAILBOXES:-10} room mailboxes (integrations) × ${BENCH_HA_MEETINGS:-200} meeting requests, each with a reservation, waiting in the fake"
	echo "Exchange; from launching the instances until every meeting has its reply (exactly one each)."
	echo
	echo "| | 1 × SQLite | 1 × PostgreSQL | 3 × PostgreSQL | 3 PG / 1 PG | 3 PG / SQLite |"
	echo "|---|---|---|---|---|---|"
	echo "| meetings/s | $(fmt1 "$ms") | $(fmt1 "$m1") | $(fmt1 "$m3") | $(ratio "$m3" "$m1") | $(ratio "$m3" "$ms") |"
	echo
	echo "### Failover"
	echo
	echo "3 instances on PostgreSQL, 3 mailboxes. Each round catches a mailbox's owner in the middle of a pass (the fake holds"
	echo "its SyncFolderItems; the holder's pid is read from the lease), SIGKILLs it, sends the mailbox a new meeting and"
	echo "times the kill to the reply; the instance is started again before the next round. The instances wake their"
	echo "workers every ${BENCH_HA_WAKE:-100ms} in place of serve's poll (`--poll`, 30 s by default): add up to the poll interval in production."
	echo
	echo "| | median | worst | rounds |"
	echo "|---|---|---|---|"
	echo "| same host (a holder whose process is gone is replaced at once) | $(secs "$(median $f/same-host failover-median-ms)") | $(secs "$(maximum $f/same-host failover-worst-ms)") | $(fmt0 "$(total $f/same-host rounds)") in $(count $f/same-host rounds) runs |"
	if [ "$cross" -gt 0 ]; then
		echo "| cross host (own host names: the lease must expire: the default `--lease-ttl` of 30 s) | $(secs "$(median $f/cross-host failover-median-ms)") | $(secs "$(maximum $f/cross-host failover-worst-ms)") | $(fmt0 "$(total $f/cross-host rounds)") |"
	fi
	echo
	echo "Same-host median: median of the runs' medians; worst: of every round."
	if [ "$status" != 0 ]; then
		echo
		echo "**A benchmark failed**: its figures are left out of the medians (– when none is left); what failed:"
		echo
		grep -A3 -- '--- FAIL' "$raw" | grep -E 'FAIL|ha_bench_test' | sort -u | sed 's/^[[:space:]]*/    /'
		echo
		echo "(all of it in $raw)"
	fi
} >"$out/ha.md"
cat "$out/ha.md"
exit "$status"
