#!/usr/bin/env bash
# Desktop smoke test: the production binary opens its window under Xvfb, an
# integration is created through the window with the keyboard (xdotool), a
# screenshot is saved, and the result is checked where it must land: the
# integration in the database, its password in the keychain (a private
# gnome-keyring) and nowhere in the database files.
#
# Usage: scripts/desktop-smoke.sh BINARY ARTIFACTS_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SMOKE_BIN="$(realpath "${1:?binary}")"
SMOKE_ARTIFACTS="$(mkdir -p "${2:?artifacts dir}" && realpath "$2")"
export SMOKE_BIN SMOKE_ARTIFACTS
exec "$root/scripts/with-desktop-session.sh" bash "$root/scripts/desktop-smoke-session.sh"
