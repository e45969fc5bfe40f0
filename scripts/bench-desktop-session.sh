#!/usr/bin/env bash
# One cold start of the window inside a throwaway desktop session: prints
# "ms_to_first_paint rss_mib hwm_mib" for bench.sh.
set -euo pipefail
bin="$(realpath "$1")"
work="$SESSION_WORK"
mkdir -p "$work/data"
start_ns=$(date +%s%N)
"$bin" --data-dir "$work/data" >"$work/app.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
until grep -q "window ready" "$work/app.log"; do
	kill -0 "$pid" 2>/dev/null || { echo "bench: the app exited" >&2; cat "$work/app.log" >&2; exit 1; }
	sleep 0.005
done
ready_ns=$(date +%s%N)
sleep 1
# The app and every process it started (WebKit's web and network processes).
tree() { echo "$1"; for c in $(cat "/proc/$1/task/"*/children 2>/dev/null); do tree "$c"; done; }
rss=0 hwm=0
for p in $(tree "$pid"); do
	r=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
	h=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
	rss=$((rss + ${r:-0})) hwm=$((hwm + ${h:-0}))
done
echo "$(((ready_ns - start_ns) / 1000000)) $((rss / 1024)) $((hwm / 1024))"
