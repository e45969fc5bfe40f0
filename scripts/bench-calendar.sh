#!/usr/bin/env bash
# The calendar benchmark (issue 5): parse and expand a generated
# 10,000-event calendar (shared/bench-peers/ical/gen_ics.py, a fifth of it
# recurring, with exceptions) for 14 and 365 days, with backend/ical and backend/calendar
# (bench/ical) and, in the same run, Mozilla's ical.js 2.2.1 in Node running
# the peers' own script (shared/bench-peers/ical/expand_icaljs.mjs).
#
# Each mode (parse, 14, 365) runs BENCH_RUNS (3) times per side, the two
# sides taking turns, each run a fresh process; wall time and peak RSS come
# from /usr/bin/time. Both sides must count the same occurrences (those
# whose start, overrides applied, is in [2026-12-01 00:00 UTC, + days)).
# ical.js is installed with npm into bench/out/ical-peer (ignored by git);
# the peers' script is run from shared/ through a symlink there, so that it
# finds that ical.js. Figures go to bench/out/calendar.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="bench/out"
runs="${BENCH_RUNS:-3}"
anchor=20261201
peer_version=2.2.1
shared="$(cd .. && pwd)/shared"
peers="$shared/bench-peers/ical"

say() { printf '%s\n' "$*" >&2; }
die() { say "bench-calendar: $*"; exit 1; }

[ -f "$peers/gen_ics.py" ] && [ -f "$peers/expand_icaljs.mjs" ] ||
	die "the shared reference folder is missing: this benchmark needs $peers (the repository's sibling ../shared)"
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
	say "== installing GNU time"
	apt-get install -y -q time >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q time >/dev/null 2>&1; } || true
fi
for tool in go node npm python3 /usr/bin/time; do
	command -v "$tool" >/dev/null || die "$tool is required (Debian packages: golang, nodejs, npm, python3, time)"
done

mkdir -p "$out/ical-peer"
peer="$out/ical-peer"
if [ "$(node -p "try { require('./$peer/node_modules/ical.js/package.json').version } catch { '' }")" != "$peer_version" ]; then
	say "== npm install ical.js@$peer_version into $peer"
	(cd "$peer" && npm install --no-audit --no-fund --no-package-lock --loglevel=error "ical.js@$peer_version" >/dev/null)
fi
ln -sfn "$peers/expand_icaljs.mjs" "$peer/expand_icaljs.mjs"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/vmr-bench-calendar.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
say "== generating the calendar"
python3 "$peers/gen_ics.py" "$tmp/cal10k.ics" "$anchor" >&2
say "== building bench/ical"
go build -o "$tmp/ical" ./bench/ical

raw="$out/calendar-raw.tsv"
printf 'side\tmode\trun\twall_s\trss_kib\toccurrences\tjson\n' >"$raw"
# measure SIDE MODE RUN COMMAND...: one run, one row
measure() {
	local side=$1 mode=$2 run=$3 json times
	shift 3
	json="$(/usr/bin/time -f '%e %M' -o "$tmp/time" "$@")" || die "$side $mode failed: $json"
	times="$(cat "$tmp/time")"
	local occ
	occ="$(sed -n 's/.*"occurrences":\([0-9]*\).*/\1/p' <<<"$json")"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$side" "$mode" "$run" "${times% *}" "${times#* }" "${occ:--}" "$json" >>"$raw"
	say "   $side $mode #$run: ${times% *} s, ${times#* } KiB, ${occ:--} occurrences"
}

started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
for mode in parse 14 365; do
	say "== mode $mode"
	for r in $(seq "$runs"); do
		measure go "$mode" "$r" "$tmp/ical" "$tmp/cal10k.ics" "$mode" "$anchor"
		measure icaljs "$mode" "$r" node --preserve-symlinks-main "$peer/expand_icaljs.mjs" "$tmp/cal10k.ics" "$mode" "$anchor"
	done
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

col() { awk -F'\t' -v s="$1" -v m="$2" -v c="$3" '$1 == s && $2 == m {print $c}' "$raw"; }
median() { sort -g | awk '{a[NR] = $1} END {if (!NR) print "nan"; else print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
med() { col "$@" | median; }
mib() { awk -v k="$1" 'BEGIN {printf "%.0f", k / 1024}'; }

fail=0
for mode in 14 365; do
	g="$(col go "$mode" 6 | sort -u)"
	j="$(col icaljs "$mode" 6 | sort -u)"
	if [ "$g" != "$j" ] || [ "$(wc -l <<<"$g")" != 1 ]; then
		say "bench-calendar: the occurrence counts differ for $mode days: Go $g, ical.js $j"
		fail=1
	fi
done

{
	echo "## Calendar: parse and expand 10,000 events, backend/calendar and ical.js $peer_version ($started_at)"
	echo
	echo "$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load average $load_start at the start and $load_end at"
	echo "the end; made by scripts/bench-calendar.sh. Input: \`gen_ics.py cal10k.ics $anchor\` from shared/bench-peers/ical"
	echo "($(grep -c '^BEGIN:VEVENT' "$tmp/cal10k.ics") VEVENTs, $(du -k "$tmp/cal10k.ics" | cut -f1) KiB; 2,000 recurring masters with EXDATEs and RECURRENCE-ID overrides, two VTIMEZONEs)."
	echo "Each figure is the median of $runs fresh processes, the sides taking turns: wall time of the whole process (start,"
	echo "read, parse, expand, count) and peak RSS, from /usr/bin/time. Occurrences count when their start, overrides applied,"
	echo "is in [2026-12-01 00:00 UTC, + days). ical.js runs the peers' script (shared/bench-peers/ical/expand_icaljs.mjs) on"
	echo "Node $(node --version); backend/calendar runs bench/ical (\`ical.Parse\` + \`calendar.Meetings\`)."
	echo
	echo "| mode | backend/calendar wall / peak RSS | ical.js wall / peak RSS | faster | occurrences (both) | target ≥ 3× and < 100 MB |"
	echo "|---|---|---|---|---|---|"
	for mode in parse 14 365; do
		gw="$(med go "$mode" 4)"
		jw="$(med icaljs "$mode" 4)"
		gr="$(med go "$mode" 5)"
		jr="$(med icaljs "$mode" 5)"
		ratio="$(awk -v a="$jw" -v b="$gw" 'BEGIN {printf "%.1f×", a / b}')"
		ok="$(awk -v a="$jw" -v b="$gw" -v r="$gr" 'BEGIN {print (a / b >= 3 && r / 1024 < 100) ? "met" : "**not met**"}')"
		# The issue's targets are for parse + expand; parse alone is shown
		# for where the time goes.
		[ "$mode" = parse ] && ok="– (no target)"
		occ="$(col go "$mode" 6 | sort -u | head -n 1)"
		label="parse only"
		[ "$mode" != parse ] && label="parse + $mode days"
		[ "$occ" = - ] && occ="–"
		echo "| $label | $gw s / $(mib "$gr") MiB | $jw s / $(mib "$jr") MiB | $ratio | $occ | $ok |"
	done
	echo
	echo "Inside the processes (medians, ms): backend/calendar parse $(col go 365 7 | sed -n 's/.*"parse_ms":\([0-9.]*\).*/\1/p' | median),"
	echo "expand 14 days $(col go 14 7 | sed -n 's/.*"expand_ms":\([0-9.]*\).*/\1/p' | median), 365 days $(col go 365 7 | sed -n 's/.*"expand_ms":\([0-9.]*\).*/\1/p' | median);"
	echo "ical.js parse $(col icaljs 365 7 | sed -n 's/.*"parse_ms":\([0-9.]*\).*/\1/p' | median),"
	echo "expand 14 days $(col icaljs 14 7 | sed -n 's/.*"expand_ms":\([0-9.]*\).*/\1/p' | median), 365 days $(col icaljs 365 7 | sed -n 's/.*"expand_ms":\([0-9.]*\).*/\1/p' | median)."
	echo "Runs (wall s) — backend/calendar: parse $(col go parse 4 | paste -sd, -), 14 $(col go 14 4 | paste -sd, -), 365 $(col go 365 4 | paste -sd, -);"
	echo "ical.js: parse $(col icaljs parse 4 | paste -sd, -), 14 $(col icaljs 14 4 | paste -sd, -), 365 $(col icaljs 365 4 | paste -sd, -)."
	[ "$fail" = 0 ] || echo "**The occurrence counts differ: see bench/out/calendar-raw.tsv.**"
} >"$out/calendar.md"
cat "$out/calendar.md"
exit "$fail"
