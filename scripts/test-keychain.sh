#!/usr/bin/env bash
# Runs the real-keychain tests of backend/secrets (build tag "keychain") in
# throwaway D-Bus sessions, so the developer's own keychain is never touched:
#   phase 1: a session with a fresh, unlocked gnome-keyring (Secret Service);
#   phase 2: a session with no Secret Service at all, where the package must
#            report "no Secret Service on the session bus" (ErrNoKeychain);
#   phase 3: a session whose gnome-keyring login collection is locked, where
#            the package must report ErrLocked (not a timeout, not "missing").
# Extra arguments go to `go test`, e.g. scripts/test-keychain.sh -race -v
# Needs: dbus (dbus-run-session, dbus-send), gnome-keyring, go.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

for tool in go dbus-run-session dbus-send gnome-keyring-daemon; do
	if ! command -v "$tool" >/dev/null; then
		echo "test-keychain: $tool not found (apt-get install gnome-keyring dbus dbus-x11)" >&2
		exit 1
	fi
done

# Keep using the real Go caches and settings: they default to paths under
# HOME, and a fresh HOME would mean a cold build and module downloads.
GOCACHE="$(go env GOCACHE)"
GOMODCACHE="$(go env GOMODCACHE)"
GOPATH="$(go env GOPATH)"
GOENV="$(go env GOENV)"
export GOCACHE GOMODCACHE GOPATH GOENV

# A private HOME and runtime dir: gnome-keyring writes its keyrings under
# HOME and its sockets under XDG_RUNTIME_DIR.
tmp_home="$(mktemp -d)"
tmp_runtime="$(mktemp -d)"
cleanup() { rm -rf "$tmp_home" "$tmp_runtime"; }
trap cleanup EXIT
chmod 700 "$tmp_home" "$tmp_runtime"
export HOME="$tmp_home" XDG_RUNTIME_DIR="$tmp_runtime"
unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME DBUS_SESSION_BUS_ADDRESS

echo "== phase 1: real Secret Service (gnome-keyring in a private D-Bus session)"
# The daemon runs in the foreground in the background of the inner shell so
# that its PID is known and it can be stopped by that PID when the tests end;
# otherwise it could keep the session (and this script) alive.
# shellcheck disable=SC2016 # expanded by the inner shell
dbus-run-session -- bash -c '
	set -euo pipefail
	printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
	keyring_pid=$!
	trap "kill $keyring_pid 2>/dev/null || true; wait $keyring_pid 2>/dev/null || true" EXIT
	# Wait until the daemon owns org.freedesktop.secrets: a request made
	# earlier would make the bus auto-activate a second, locked daemon.
	ready=
	for _ in $(seq 100); do
		if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
			org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
			grep -q "boolean true"; then
			ready=1
			break
		fi
		sleep 0.1
	done
	if [ -z "$ready" ]; then
		echo "test-keychain: gnome-keyring-daemon did not start" >&2
		exit 1
	fi
	go test -count=1 -tags keychain "$@" ./backend/secrets/...
' bash "$@"

echo "== phase 2: no Secret Service on the session bus"
# The stock session config lists the service directories, and gnome-keyring
# ships an activation file for org.freedesktop.secrets, so a plain
# dbus-run-session would start a keyring on demand. This config has none.
no_services_conf="$tmp_runtime/session-no-services.conf"
cat >"$no_services_conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-run-session --config-file="$no_services_conf" -- \
	env VMR_TEST_NO_SECRET_SERVICE=1 go test -count=1 -tags keychain -run NoSecretService "$@" ./backend/secrets/...

echo "== phase 3: a locked keychain (gnome-keyring with its login collection locked)"
# No prompter can open a window in this session, so gnome-keyring refuses
# the unlock go-keyring asks for at once; the tests expect ErrLocked.
# shellcheck disable=SC2016 # expanded by the inner shell
dbus-run-session -- bash -c '
	set -euo pipefail
	printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
	keyring_pid=$!
	trap "kill $keyring_pid 2>/dev/null || true; wait $keyring_pid 2>/dev/null || true" EXIT
	ready=
	for _ in $(seq 100); do
		if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
			org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
			grep -q "boolean true"; then
			ready=1
			break
		fi
		sleep 0.1
	done
	if [ -z "$ready" ]; then
		echo "test-keychain: gnome-keyring-daemon did not start" >&2
		exit 1
	fi
	dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
		org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
	VMR_TEST_LOCKED_KEYCHAIN=1 go test -count=1 -tags keychain -run LockedKeychain "$@" ./backend/secrets/...
' bash "$@" 2> >(grep -v -e "gcr-prompter" -e "cannot open display" -e "SystemPrompter" -e "fd limit" -e "^$" >&2)

echo "== keychain tests passed"
