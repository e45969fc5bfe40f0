#!/usr/bin/env bash
# End-to-end test of the Outlook add-in: the built binary serves the add-in
# over HTTPS from a throwaway data folder, Chromium (Debian's) trusts the
# host's local CA through a test NSS database, and
# frontend/e2e/taskpane.e2e.mjs drives the real task pane with a recording
# fake of Office.js. Builds nothing: run `make build` first.
#
# Usage: scripts/addin-e2e.sh [BINARY] [ARTIFACTS_DIR]
#        (defaults: build/bin/vmr-companion, build/artifacts)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ "${1:-}" != --session ]]; then
	bin="${1:-$root/build/bin/vmr-companion}"
	[[ -x "$bin" ]] || { echo "addin-e2e: no binary at $bin (make build)" >&2; exit 1; }
	ADDIN_E2E_BIN="$(realpath "$bin")"
	ADDIN_E2E_ARTIFACTS="$(mkdir -p "${2:-$root/build/artifacts}" && realpath "${2:-$root/build/artifacts}")"
	export ADDIN_E2E_BIN ADDIN_E2E_ARTIFACTS
	for tool in certutil node "${CHROMIUM:-/usr/bin/chromium}"; do
		command -v "$tool" >/dev/null || { echo "addin-e2e: $tool not found (apt-get install libnss3-tools chromium)" >&2; exit 1; }
	done
	[[ -d "$root/frontend/node_modules/playwright-core" ]] || { echo "addin-e2e: run npm ci in frontend/ first" >&2; exit 1; }
	# The host keeps its CA key in the keychain: run in a private session
	# with its own gnome-keyring (and a private HOME).
	exec "$root/scripts/with-desktop-session.sh" "$0" --session
fi

# Inside the throwaway session: SESSION_WORK is removed afterwards.
work="$SESSION_WORK"
data="$work/data"
chrome_home="$work/chrome-home"
mkdir -p "$data" "$chrome_home/.pki/nssdb"
bin="$ADDIN_E2E_BIN"

serve_pid=""
stop_host() {
	if [[ -n "$serve_pid" ]] && kill -0 "$serve_pid" 2>/dev/null; then
		kill "$serve_pid" 2>/dev/null || true
		wait "$serve_pid" 2>/dev/null || true
	fi
}
trap stop_host EXIT

echo "== addin-e2e: creating an integration"
"$bin" --data-dir "$data" integrations create \
	--set name=E2E \
	--set url=https://mail.contoso.com/EWS/Exchange.asmx \
	--set room_mailbox_email_address=vmr@contoso.com \
	--set username=svc \
	--set domains=mail.contoso.com \
	--set scheduled_alias_prefix=meet \
	--set scheduled_alias_domain=vc.contoso.com >"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; exit 1; }
# A second one offers personal VMRs too, with the pane's debug log on; Alice
# owns two rooms.
"$bin" --data-dir "$data" integrations create \
	--set name=E2E-personal \
	--set url=https://mail.contoso.com/EWS/Exchange.asmx \
	--set room_mailbox_email_address=vmr@contoso.com \
	--set username=svc \
	--set domains=mail.contoso.com \
	--set scheduled_alias_prefix=meet \
	--set scheduled_alias_domain=vc.contoso.com \
	--set enable_personal_vmrs=true \
	--set personal_vmr_oauth_client_id=vmr-e2e \
	--set personal_vmr_oauth_auth_endpoint=https://login.contoso.com/adfs/oauth2/authorize \
	--set personal_vmr_oauth_token_endpoint=https://login.contoso.com/adfs/oauth2/token \
	--set enable_addin_debug_logs=true >>"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; exit 1; }
"$bin" --data-dir "$data" vmrs create --name "Alice's room" --alias meet.alice@vc.contoso.com --alias 4711 \
	--owner alice@contoso.com >>"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; exit 1; }
"$bin" --data-dir "$data" vmrs create --name "Alice's team room" --alias meet.alice.team@vc.contoso.com \
	--owner alice@contoso.com >>"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; exit 1; }
uuid_of() {
	"$bin" --data-dir "$data" integrations show "$1" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).uuid))'
}
uuid="$(uuid_of E2E)"
uuid_personal="$(uuid_of E2E-personal)"
for u in "$uuid" "$uuid_personal"; do
	[[ "$u" =~ ^[0-9a-f-]{36}$ ]] || { echo "addin-e2e: no uuid for an integration: $u" >&2; exit 1; }
done

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
echo "== addin-e2e: starting the host on 127.0.0.1:$port"
"$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
for i in $(seq 150); do
	if [[ -f "$data/devcert/ca.pem" ]] && curl -sf --cacert "$data/devcert/ca.pem" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
	if ! kill -0 "$serve_pid" 2>/dev/null || [[ $i == 150 ]]; then
		echo "addin-e2e: the host did not start" >&2; cat "$work/serve.log" >&2; exit 1
	fi
	sleep 0.1
done

# Chromium on Linux trusts what $HOME/.pki/nssdb trusts: a database of its
# own with only the host's CA (no flag that ignores certificate errors).
certutil -N -d "sql:$chrome_home/.pki/nssdb" --empty-password
certutil -A -d "sql:$chrome_home/.pki/nssdb" -n vmr-e2e -t C,, -i "$data/devcert/ca.pem"

echo "== addin-e2e: Chromium against https://127.0.0.1:$port"
status=0
ADDIN_E2E_URL="https://127.0.0.1:$port" ADDIN_E2E_INTEGRATION="$uuid" ADDIN_E2E_INTEGRATION_PERSONAL="$uuid_personal" \
	ADDIN_E2E_SERVE_PID="$serve_pid" \
	ADDIN_E2E_HOME="$chrome_home" node "$root/frontend/e2e/taskpane.e2e.mjs" || status=$?
if [[ $status != 0 ]]; then
	echo "--- host log" >&2
	tail -n 40 "$work/serve.log" >&2
fi
exit $status
