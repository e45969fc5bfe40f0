#!/usr/bin/env bash
# The part of the desktop smoke test that runs inside its private D-Bus
# desktop session (see with-desktop-session.sh): window, keyboard, checks.
set -euo pipefail

work="$SESSION_WORK" bin="$SMOKE_BIN" artifacts="$SMOKE_ARTIFACTS"
data="$work/data"
name="Smoke Contoso"
password="smoke-Pa55-$RANDOM$RANDOM"
app_pid=""
mkdir -p "$data"

stop() {
	[[ -n "$app_pid" ]] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null || true
}
trap stop EXIT

fail() {
	echo "smoke: FAIL: $*" >&2
	import -window root "$artifacts/desktop-smoke-failure.png" 2>/dev/null || true
	echo "smoke: app log:" >&2
	sed 's/^/  /' "$work/app.log" >&2 || true
	echo "smoke: 0 passed, 1 failed"
	exit 1
}

"$bin" --data-dir "$data" >"$work/app.log" 2>&1 &
app_pid=$!

# The window reports "window ready" once it has painted.
for i in $(seq 600); do
	grep -q "window ready" "$work/app.log" && break
	kill -0 "$app_pid" 2>/dev/null || fail "the app exited before its window was ready"
	[[ $i == 600 ]] && fail "the window was not ready within 60 s"
	sleep 0.1
done
wid="$(xdotool search --onlyvisible --name "^VMR Companion$" | head -1)"
[[ -n "$wid" ]] || fail "no window titled VMR Companion"
import -window root "$artifacts/desktop-empty.png"

# No window manager runs under Xvfb, so give the window focus directly.
xdotool windowfocus --sync "$wid"
sleep 0.5
xdotool key --clearmodifiers ctrl+n
sleep 1
type() { xdotool type --delay 15 -- "$1"; }
tab() { xdotool key Tab; }
# The form's keyboard path, as the frontend's tab-order test pins it:
# name, description, url, room mailbox, room mailbox name, domains,
# disable proxy, EWS CA file, authentication method, username, password.
type "$name"; tab
type "Created by the desktop smoke test"; tab
type "https://mail.contoso.com/EWS/Exchange.asmx"; tab
type "vmr@contoso.com"; tab
type "VMR room"; tab
type "mail.contoso.com"; tab
tab # disable_proxy
tab # ews_ca_file
tab # authentication_method (BASIC)
type 'svc-vmr'; tab
type "$password"
sleep 0.5
import -window root "$artifacts/desktop-form.png"
xdotool key --clearmodifiers ctrl+s

show() { "$bin" --data-dir "$data" integrations show "$name" --json 2>/dev/null; }
for i in $(seq 100); do
	show >"$work/show.json" && break
	[[ $i == 100 ]] && fail "the integration was not saved through the window"
	sleep 0.1
done
sleep 1.5 # let the window show the saved state before the picture
import -window root "$artifacts/desktop-smoke.png"

grep -q '"room_mailbox_email_address": "vmr@contoso.com"' "$work/show.json" || fail "the saved integration lacks the typed room mailbox: $(cat "$work/show.json")"
grep -q '"password"' "$work/show.json" || fail "the integration does not record a stored password"
uuid="$(sed -n 's/^  "uuid": "\(.*\)",$/\1/p' "$work/show.json")"
[[ -n "$uuid" ]] || fail "no uuid in the saved integration"

stored="$(secret-tool lookup service vmr-companion username "$uuid/password" || true)"
[[ "$stored" == "$password" ]] || fail "the password is not in the keychain under $uuid/password"

# Nothing of the password in any file of the data directory (db, WAL, SHM).
if grep -r -a -q -F -- "$password" "$data"; then
	fail "the password was found in the data directory"
fi
echo "smoke: window created \"$name\"; password in the keychain only; screenshots in $artifacts"
echo "smoke: 1 passed, 0 failed"
