#!/usr/bin/env bash
# make bench: the store, import and scheduler benchmarks (go test -bench, 5 runs each,
# medians), and the desktop window's cold start to first paint and its
# memory (every process, WebKit's included) under Xvfb. Figures go to
# bench/out/results.md; docs/BENCHMARKS.md records them with the date.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="bench/out"
mkdir -p "$out"
runs="${BENCH_RUNS:-5}"

echo "== go benchmarks ($runs runs each)"
go test -run '^$' -bench 'ListIntegrations10k|Import1000' -benchmem -count "$runs" \
	./backend/store/ ./backend/integration/ | tee "$out/go-bench.txt"

echo "== scheduler: 10,000 meetings end to end, and a pass with nothing new ($runs runs each)"
go test -run '^$' -bench 'Process10kMeetings|EmptySyncPass' -benchtime 1x -count "$runs" \
	./backend/scheduler/ | tee "$out/scheduler-bench.txt"

echo "== Pexip Infinity: pull 5,000 integrations and 50,000 personal VMRs from the fake Management Node, and again with nothing changed (3 runs each)"
go test -run '^$' -bench 'Pull' -benchtime 1x -count 3 -timeout 60m \
	./backend/infinitysync/ | tee "$out/infinity-bench.txt"

echo "== add-in host: reservations over HTTPS without authentication and with an Exchange identity token, and one token check ($runs runs each)"
go test -run '^$' -bench 'ReserveHTTPS' -benchtime 3s -count "$runs" ./backend/addinhost/ | tee "$out/addin-auth-bench.txt"
go test -run '^$' -bench 'ValidateCached' -benchmem -count "$runs" ./backend/exidtoken/ | tee -a "$out/addin-auth-bench.txt"

# median of the named column per benchmark
median() { # file benchmark unit
	grep "^$2" "$1" | awk -v unit="$3" '{for (i = 2; i <= NF; i++) if ($i == unit) print $(i-1)}' |
		sort -g | awk '{a[NR] = $1} END {if (NR) print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'
}

echo "== desktop cold start ($runs runs)"
: >"$out/desktop.txt"
for _ in $(seq "$runs"); do
	scripts/with-desktop-session.sh bash scripts/bench-desktop-session.sh build/bin/vmr-companion >>"$out/desktop.txt"
done
cat "$out/desktop.txt"
col_median() { awk -v c="$1" '{print $c}' "$out/desktop.txt" | sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }

{
	echo "# Benchmark results ($(date -u +%Y-%m-%d), $(nproc) cores, medians of $runs)"
	echo
	echo "| benchmark | median |"
	echo "|---|---|"
	echo "| list 10,000 integrations from the store | $(awk "BEGIN {printf \"%.1f ms\", $(median "$out/go-bench.txt" BenchmarkListIntegrations10k ns/op) / 1e6}") |"
	echo "| import 1,000 integrations | $(awk "BEGIN {printf \"%.0f ms\", $(median "$out/go-bench.txt" BenchmarkImport1000 ns/op) / 1e6}") ($(median "$out/go-bench.txt" BenchmarkImport1000 integrations/s) integrations/s) |"
	echo "| scheduler: 10,000 meeting requests from the fake Exchange, end to end (sync, GetItem, parse, decide, commit, reply sent) | $(median "$out/scheduler-bench.txt" BenchmarkProcess10kMeetings meetings/s) meetings/s |"
	echo "| scheduler: EWS requests of a pass with nothing new, mailbox of 100 items | $(median "$out/scheduler-bench.txt" BenchmarkEmptySyncPass/items=100- requests/pass) |"
	echo "| scheduler: EWS requests of a pass with nothing new, mailbox of 100,000 items | $(median "$out/scheduler-bench.txt" BenchmarkEmptySyncPass/items=100000- requests/pass) |"
	echo "| Infinity pull: 5,000 integrations + 50,000 personal VMRs into an empty store | $(awk "BEGIN {printf \"%.1f s\", $(median "$out/infinity-bench.txt" BenchmarkPull- ns/op) / 1e9}"), $(median "$out/infinity-bench.txt" BenchmarkPull- requests/op) requests, peak heap $(median "$out/infinity-bench.txt" BenchmarkPull- peak-heap-MB) MB |"
	echo "| Infinity pull again with nothing changed | $(awk "BEGIN {printf \"%.1f s\", $(median "$out/infinity-bench.txt" BenchmarkPullUnchanged- ns/op) / 1e9}"), $(median "$out/infinity-bench.txt" BenchmarkPullUnchanged- requests/op) requests, peak heap $(median "$out/infinity-bench.txt" BenchmarkPullUnchanged- peak-heap-MB) MB |"
	echo "| add-in host: reservations over HTTPS, 64 clients, no authentication | $(median "$out/addin-auth-bench.txt" BenchmarkReserveHTTPS/auth=none- reservations/s) reservations/s |"
	echo "| add-in host: the same, each with an Exchange identity token checked | $(median "$out/addin-auth-bench.txt" BenchmarkReserveHTTPS/auth=exchange-token- reservations/s) reservations/s |"
	echo "| one Exchange identity token check, key cached | $(awk "BEGIN {printf \"%.0f µs\", $(median "$out/addin-auth-bench.txt" BenchmarkValidateCached- ns/op) / 1e3}") |"
	echo "| desktop cold start to first paint | $(col_median 1) ms |"
	echo "| desktop memory, all processes (RSS at first paint + 1 s) | $(col_median 2) MiB |"
	echo "| desktop peak memory, all processes (sum of VmHWM) | $(col_median 3) MiB |"
} | tee "$out/results.md"

# Infinity's external policy: answers/s and latency with 64 clients and
# 10,000 live conferences, beside the static pane of the same host
# (bench/out/policy.md), appended too.
scripts/bench-policy.sh
{ echo; cat "$out/policy.md"; } >>"$out/results.md"

# The add-in host: cold start, reservations, and its task pane files against
# webpack-dev-server (bench/out/addinhost.md), appended to the results.
scripts/bench-addinhost.sh
{ echo; cat "$out/addinhost.md"; } >>"$out/results.md"

# Upcoming meetings: parse and expand a generated 10,000-event calendar,
# side by side with ical.js (bench/out/calendar.md), appended too.
scripts/bench-calendar.sh
{ echo; cat "$out/calendar.md"; } >>"$out/results.md"

# High availability: reservations/s and p99 on 1 SQLite instance, 1 and 3
# PostgreSQL instances; meetings/s with 1 and 3 instances; failover time
# (bench/out/ha.md), appended too.
scripts/bench-ha.sh
{ echo; cat "$out/ha.md"; } >>"$out/results.md"
