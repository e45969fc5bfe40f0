#!/usr/bin/env bash
# End-to-end test of the Outlook add-in: the built binary serves the add-in
# over HTTPS from a throwaway data folder, Chromium (Debian's) trusts the
# host's local CA through a test NSS database, and
# frontend/e2e/delegate.e2e.mjs (a delegate's pre-flight in a shared
# calendar), frontend/e2e/commands.e2e.mjs (the phone's UI-less command) and
# frontend/e2e/taskpane.e2e.mjs drive the real task pane and command with a
# recording fake of Office.js. Then frontend/e2e/signin.e2e.mjs runs the personal VMR
# sign-in dialog end to end against a real OpenID provider
# (frontend/e2e/oidc-provider.mjs, HTTPS with a CA made here) and a second
# host that requires the sign-in (--auth oidc). Builds nothing: run
# `make build` first.
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
	for tool in certutil openssl node "${CHROMIUM:-/usr/bin/chromium}"; do
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
signin_pid=""
idp_pid=""
stop_pid() {
	if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then
		kill "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
}
stop_all() {
	stop_pid "$serve_pid"
	stop_pid "$signin_pid"
	stop_pid "$idp_pid"
}
trap stop_all EXIT

echo "== addin-e2e: creating an integration"
"$bin" --data-dir "$data" integrations create \
	--set name=E2E \
	--set url=https://mail.contoso.com/EWS/Exchange.asmx \
	--set room_mailbox_email_address=vmr@contoso.com \
	--set username=svc \
	--set domains=mail.contoso.com \
	--set scheduled_alias_prefix=meet \
	--set scheduled_alias_domain=vc.contoso.com >"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; exit 1; }
# A third serves contoso.com's users, for a delegate booking in a shared
# calendar (frontend/e2e/delegate.e2e.mjs): owners there pass the pane's
# pre-flight, fabrikam.com's do not.
"$bin" --data-dir "$data" integrations create \
	--set name=E2E-delegate \
	--set url=https://mail.contoso.com/EWS/Exchange.asmx \
	--set room_mailbox_email_address=vmr@contoso.com \
	--set username=svc \
	--set domains=mail.contoso.com,contoso.com \
	--set scheduled_alias_prefix=meet \
	--set scheduled_alias_domain=vc.contoso.com >>"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; exit 1; }
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
uuid_delegate="$(uuid_of E2E-delegate)"
for u in "$uuid" "$uuid_personal" "$uuid_delegate"; do
	[[ "$u" =~ ^[0-9a-f-]{36}$ ]] || { echo "addin-e2e: no uuid for an integration: $u" >&2; exit 1; }
done

free_port() {
	node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
# wait_host PORT PID LOG: until the host answers /healthz over trusted HTTPS.
wait_host() {
	for i in $(seq 150); do
		if [[ -f "$data/devcert/ca.pem" ]] && curl -sf --cacert "$data/devcert/ca.pem" "https://127.0.0.1:$1/healthz" >/dev/null 2>&1; then return; fi
		if ! kill -0 "$2" 2>/dev/null || [[ $i == 150 ]]; then
			echo "addin-e2e: the host did not start" >&2; cat "$3" >&2; exit 1
		fi
		sleep 0.1
	done
}

port="$(free_port)"
echo "== addin-e2e: starting the host on 127.0.0.1:$port"
"$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
wait_host "$port" "$serve_pid" "$work/serve.log"

# Chromium on Linux trusts what $HOME/.pki/nssdb trusts: a database of its
# own with only the host's CA (no flag that ignores certificate errors).
certutil -N -d "sql:$chrome_home/.pki/nssdb" --empty-password
certutil -A -d "sql:$chrome_home/.pki/nssdb" -n vmr-e2e -t C,, -i "$data/devcert/ca.pem"

echo "== addin-e2e: Chromium against https://127.0.0.1:$port"
status=0
# The delegate's pre-flight first: the task pane suite stops the host.
ADDIN_E2E_URL="https://127.0.0.1:$port" ADDIN_E2E_INTEGRATION_DELEGATE="$uuid_delegate" \
	ADDIN_E2E_HOME="$chrome_home" node "$root/frontend/e2e/delegate.e2e.mjs" || status=$?
# The phone's UI-less command first: taskpane.e2e.mjs stops the host.
ADDIN_E2E_URL="https://127.0.0.1:$port" ADDIN_E2E_INTEGRATION="$uuid" ADDIN_E2E_INTEGRATION_PERSONAL="$uuid_personal" \
	ADDIN_E2E_HOME="$chrome_home" node "$root/frontend/e2e/commands.e2e.mjs" || status=$?
ADDIN_E2E_URL="https://127.0.0.1:$port" ADDIN_E2E_INTEGRATION="$uuid" ADDIN_E2E_INTEGRATION_PERSONAL="$uuid_personal" \
	ADDIN_E2E_SERVE_PID="$serve_pid" \
	ADDIN_E2E_HOME="$chrome_home" node "$root/frontend/e2e/taskpane.e2e.mjs" || status=$?
if [[ $status != 0 ]]; then
	echo "--- host log" >&2
	tail -n 40 "$work/serve.log" >&2
fi
stop_pid "$serve_pid"

# --- The personal VMR sign-in against a real OpenID provider -------------
# A CA of the test's own issues the provider's certificate: the host trusts
# it as the integration's ews_ca_file (its identity provider's CA), Chromium
# through the test NSS database. The keys live in $work, removed afterwards.
echo "== addin-e2e: an OpenID provider for the personal VMR sign-in"
idp="$work/idp"
mkdir -p "$idp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-keyout "$idp/ca.key" -out "$idp/ca.pem" -subj "/CN=VMR Companion e2e OpenID provider CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>"$idp/openssl.log" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$idp/tls.key" -out "$idp/tls.csr" 2>>"$idp/openssl.log" &&
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' >"$idp/tls.ext" &&
	openssl x509 -req -in "$idp/tls.csr" -CA "$idp/ca.pem" -CAkey "$idp/ca.key" -CAcreateserial -days 1 \
		-extfile "$idp/tls.ext" -out "$idp/tls.pem" 2>>"$idp/openssl.log" || { cat "$idp/openssl.log" >&2; exit 1; }
certutil -A -d "sql:$chrome_home/.pki/nssdb" -n vmr-e2e-idp -t C,, -i "$idp/ca.pem"

# The provider's client takes this host's callback as its redirect URI.
signin_port="$(free_port)"
coproc IDP { exec node "$root/frontend/e2e/oidc-provider.mjs" "$idp/tls.pem" "$idp/tls.key" \
	"https://127.0.0.1:$signin_port/signin/callback" 2>"$work/idp.log"; }
idp_pid=$IDP_PID
issuer=""
read -r -t 30 issuer <&"${IDP[0]}" || true
[[ "$issuer" =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || { echo "addin-e2e: the OpenID provider did not start" >&2; cat "$work/idp.log" >&2; exit 1; }

# Personal VMRs behind the sign-in, with the provider's endpoints (AD FS
# style: openid, profile, email; no secret, a public client with PKCE).
"$bin" --data-dir "$data" integrations create \
	--set name=E2E-signin \
	--set domains=mail.contoso.com \
	--set enable_dynamic_vmrs=false \
	--set enable_personal_vmrs=true \
	--set auth_provider=ADFS \
	--set personal_vmr_oauth_client_id=vmr-e2e \
	--set personal_vmr_oauth_auth_endpoint="$issuer/auth" \
	--set personal_vmr_oauth_token_endpoint="$issuer/token" \
	--set addin_oidc_metadata_url="$issuer/.well-known/openid-configuration" \
	--set ews_ca_file="$idp/ca.pem" \
	--set enable_addin_debug_logs=true >>"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; exit 1; }
"$bin" --data-dir "$data" vmrs create --name "Bob's room" --alias meet.bob@vc.contoso.com \
	--owner bob@contoso.com >>"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; exit 1; }
uuid_signin="$(uuid_of E2E-signin)"
[[ "$uuid_signin" =~ ^[0-9a-f-]{36}$ ]] || { echo "addin-e2e: no uuid for E2E-signin: $uuid_signin" >&2; exit 1; }

# A host that requires the sign-in: with --auth oidc the pane's word
# (X-VMR-User) no longer lists anyone's rooms. The first host has stopped,
# so the data folder has one user at a time.
echo "== addin-e2e: starting a host with --auth oidc on 127.0.0.1:$signin_port"
"$bin" --data-dir "$data" serve --auth oidc --listen "127.0.0.1:$signin_port" >"$work/serve-signin.log" 2>&1 &
signin_pid=$!
wait_host "$signin_port" "$signin_pid" "$work/serve-signin.log"

echo "== addin-e2e: the personal VMR sign-in in Chromium against $issuer"
signin_status=0
ADDIN_E2E_URL="https://127.0.0.1:$signin_port" ADDIN_E2E_INTEGRATION="$uuid_signin" ADDIN_E2E_IDP="$issuer" \
	ADDIN_E2E_HOME="$chrome_home" node "$root/frontend/e2e/signin.e2e.mjs" || signin_status=$?
if [[ $signin_status != 0 ]]; then
	echo "--- host log" >&2
	tail -n 40 "$work/serve-signin.log" >&2
	echo "--- OpenID provider log" >&2
	tail -n 40 "$work/idp.log" >&2
	status=$signin_status
fi
exit $status
