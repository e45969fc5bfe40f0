#!/usr/bin/env bash
# Runs a command in a throwaway desktop session: a private HOME and runtime
# folder, an Xvfb display, a private D-Bus session and an unlocked
# gnome-keyring, so the window has a screen and a real keychain, and the
# user's own session is never touched. Everything it starts is stopped by PID.
#
# Usage: scripts/with-desktop-session.sh COMMAND [ARGS...]
# Inside, SESSION_WORK names a scratch folder removed afterwards.
set -euo pipefail

if [[ "${1:-}" == --inside ]]; then
	shift
	printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
	keyring_pid=$!
	trap 'kill $keyring_pid 2>/dev/null; wait $keyring_pid 2>/dev/null || true' EXIT
	for i in $(seq 100); do
		dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
			org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
		if [[ $i == 100 ]]; then echo "desktop session: gnome-keyring-daemon did not start" >&2; exit 1; fi
		sleep 0.1
	done
	"$@"
	exit
fi

for tool in Xvfb xdotool import dbus-run-session dbus-send gnome-keyring-daemon secret-tool; do
	command -v "$tool" >/dev/null || { echo "desktop session: $tool not found (make deps-test installs it)" >&2; exit 1; }
done

# Keep the real Go caches: they default to folders under HOME.
if command -v go >/dev/null; then
	GOCACHE="$(go env GOCACHE)" GOMODCACHE="$(go env GOMODCACHE)" GOPATH="$(go env GOPATH)"
	export GOCACHE GOMODCACHE GOPATH
fi
work="$(mktemp -d)"
mkdir -p "$work/home" "$work/run"
chmod 700 "$work/home" "$work/run"
xvfb_pid=""
cleanup() {
	if [[ -n "$xvfb_pid" ]]; then kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

# The first display number from 90 on that nobody uses.
display=90
while [[ -e /tmp/.X11-unix/X$display || -e /tmp/.X$display-lock ]]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1280x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for i in $(seq 100); do
	[[ -e /tmp/.X11-unix/X$display ]] && break
	if [[ $i == 100 ]]; then echo "desktop session: Xvfb did not start" >&2; cat "$work/xvfb.log" >&2; exit 1; fi
	sleep 0.05
done

export DISPLAY=":$display" HOME="$work/home" XDG_RUNTIME_DIR="$work/run" SESSION_WORK="$work"
unset DBUS_SESSION_BUS_ADDRESS XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME WAYLAND_DISPLAY
dbus-run-session -- "$0" --inside "$@"
