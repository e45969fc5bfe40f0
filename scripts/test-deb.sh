#!/usr/bin/env bash
# test-deb: installs the .deb packages of `make package-linux` on this
# machine and checks what they promise (make test-package-linux; root).
#
# The server package: dpkg -i, its files, user, folders and modes; the unit
# (systemd-analyze verify and security); then the service binary started the
# way the unit starts it — systemd is not PID 1 here — with the unit's
# ExecStart, User, Group, Environment, UMask and working folder and a
# secrets key as its credential, until /readyz answers, and stopped with
# SIGTERM (exit 0); the database in /var/lib/vmr-companion with its secrets
# sealed; then dpkg --purge and nothing left but what the package keeps.
# The desktop package: dpkg -i, its files (the .desktop entry and AppStream
# metainfo validated), dpkg --purge, nothing left.
#
# It refuses to start when either package, the vmr-companion user or its
# folders are already on the machine, and removes all of them at the end,
# also what a purge keeps, so the machine is as it was and a rerun starts
# clean.
#
#   scripts/test-deb.sh [build/packages]
set -euo pipefail

cd "$(git rev-parse --show-toplevel)"
dir="${1:-build/packages}"
user=vmr-companion
data=/var/lib/vmr-companion
etc=/etc/vmr-companion
unit=/lib/systemd/system/vmr-companion.service
metrics=127.0.0.1:9464

fail() {
	echo "test-deb: FAIL: $*" >&2
	exit 1
}
ok() { echo "test-deb: ok: $*"; }

[[ $(id -u) -eq 0 ]] || fail "dpkg -i needs root: run it as root (CI runs it as root on a fresh machine)"

one_deb() { # one_deb NAME: the only NAME_*.deb in $dir
	local found=("$dir/$1"_*.deb)
	[[ -e ${found[0]} ]] || fail "no $1_*.deb in $dir: run make package-linux"
	((${#found[@]} == 1)) || fail "more than one $1_*.deb in $dir: ${found[*]}"
	echo "${found[0]}"
}
server_deb="$(one_deb vmr-companion-server)"
desktop_deb="$(one_deb vmr-companion)"

installed() { # installed PKG: dpkg knows PKG (installed, or only its configuration left)
	local status
	status="$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)"
	[[ -n $status && $status != not-installed ]]
}

# --- A clean start: nothing of either package on the machine. -----------
for p in vmr-companion-server vmr-companion; do
	if installed "$p"; then
		fail "$p is installed on this machine; this test installs and purges it: remove it first (dpkg --purge $p) if it is not in use"
	fi
done
if getent passwd "$user" >/dev/null || getent group "$user" >/dev/null || [[ -e $data || -e $etc ]]; then
	fail "the user or group $user, $data or $etc exists (left by an earlier install?); this test would delete them: if nothing uses them, remove them (rm -r $data $etc; deluser --system $user; delgroup --system $user)"
fi
for port in "$metrics" 127.0.0.1:3443; do
	if curl -s -o /dev/null --max-time 2 "http://$port/" 2>/dev/null || [[ $? -ne 7 ]]; then
		fail "something already listens on $port, where the service's default configuration listens: stop it first"
	fi
done

tmp="$(mktemp -d)"
pid=""
cleanup() {
	local code=$?
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	for p in vmr-companion-server vmr-companion; do
		if installed "$p"; then dpkg --purge "$p" >/dev/null 2>&1 || true; fi
	done
	rm -rf "$data" "$etc" "$tmp"
	if getent passwd "$user" >/dev/null; then deluser --system --quiet "$user" >/dev/null 2>&1 || true; fi
	if getent group "$user" >/dev/null; then delgroup --system --quiet "$user" >/dev/null 2>&1 || true; fi
	exit "$code"
}
trap cleanup EXIT

# What the file system holds where the packages write, to compare after a
# purge. dpkg's, apt's and systemd's own bookkeeping and the account files'
# backups (passwd- …) change with any package and are left out.
snapshot() {
	find /etc /lib/systemd /usr/bin /usr/lib/systemd /usr/share/applications /usr/share/metainfo \
		/usr/share/icons/hicolor /usr/share/doc /var/lib -xdev 2>/dev/null |
		grep -vE '^/var/lib/(dpkg|apt|systemd/deb-systemd-helper-(enabled|masked)|ucf)(/|$)|^/etc/(passwd|group|shadow|gshadow|subuid|subgid)-$|^/etc/ld\.so\.cache$|icon-theme\.cache$|^/usr/share/applications/mimeinfo\.cache$' |
		sort
}

mode_of() { stat -c '%a %U:%G' "$1"; }
expect_mode() { # expect_mode PATH "MODE OWNER:GROUP"
	[[ -e $1 ]] || fail "$1 is missing"
	local got
	got="$(mode_of "$1")"
	[[ $got == "$2" ]] || fail "$1 is $got, want $2"
}

# --- The version mapping (packaging/deb-version.sh) sorts as dpkg does. ---
prev=""
for v in v0.9.0 v1.0.0-rc1 v1.0.0-rc1-3-gabc1234 v1.0.0 v1.0.0-dirty v1.0.0-2-gabc1234 v1.0.0-2-gabc1234-dirty v1.0.1; do
	deb="$(packaging/deb-version.sh "$v")"
	dpkg --validate-version "$deb" || fail "deb-version.sh $v gave $deb, which dpkg refuses"
	if [[ -n $prev ]]; then
		dpkg --compare-versions "$prev" lt "$deb" || fail "deb-version.sh: $prev should sort before $deb ($v)"
	fi
	prev="$deb"
done
[[ "$(COMMITS=12 packaging/deb-version.sh abc1234)" == 0.0.0+12.gabc1234 ]] || fail "deb-version.sh without a tag"
! packaging/deb-version.sh dev 2>/dev/null || fail "deb-version.sh accepted 'dev'"
ok "git describe maps to Debian versions in order"

# --- The packages' fields. ----------------------------------------------
for deb in "$server_deb" "$desktop_deb"; do
	for field in Package Version Architecture Maintainer Homepage Description; do
		[[ -n "$(dpkg-deb -f "$deb" "$field")" ]] || fail "$deb has no $field"
	done
	dpkg --validate-version "$(dpkg-deb -f "$deb" Version)" || fail "$deb: the version is not a Debian version"
done
dpkg-deb -f "$desktop_deb" Depends | grep -q 'libwebkit2gtk-4.1-0' || fail "the desktop package does not depend on libwebkit2gtk-4.1-0"
dpkg-deb -f "$desktop_deb" Depends | grep -q 'libgtk-3-0' || fail "the desktop package does not depend on libgtk-3-0"
ok "package fields: $(basename "$server_deb"), $(basename "$desktop_deb")"

before="$(snapshot)"

# deps DEB: install with apt what DEB depends on, when it is missing.
deps() {
	local names
	names="$(dpkg-deb -f "$1" Depends | tr ',' '\n' | sed -E 's/\(.*\)//; s/\|.*//; s/^ *//; s/ *$//' | grep -v '^$' || true)"
	# shellcheck disable=SC2086 # one package name a word
	[[ -z $names ]] || scripts/install-deps.sh $names
}

# === The server package ==================================================
deps "$server_deb"
dpkg -i "$server_deb" >"$tmp/dpkg-i.log" 2>&1 || {
	cat "$tmp/dpkg-i.log" >&2
	fail "dpkg -i $server_deb"
}
[[ "$(dpkg-query -W -f='${db:Status-Status}' vmr-companion-server)" == installed ]] || fail "vmr-companion-server is not installed after dpkg -i"

expect_mode /usr/bin/vmr-companion-server "755 root:root"
expect_mode "$unit" "644 root:root"
expect_mode "$etc" "750 root:$user"
expect_mode "$etc/config.toml" "640 root:$user"
expect_mode "$data" "750 $user:$user"
dpkg-query -W -f='${Conffiles}\n' vmr-companion-server | grep -q "^ $etc/config.toml " || fail "$etc/config.toml is not a conffile"
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd "$user")
((uid < 1000)) || fail "$user is uid $uid, not a system user"
[[ "$(getent group "$user" | cut -d: -f3)" == "$gid" ]] || fail "$user's primary group is not $user"
[[ $home == "$data" && $shell == /usr/sbin/nologin ]] || fail "$user has home $home and shell $shell, want $data and /usr/sbin/nologin"
ok "server files, user $user (uid $uid), $etc and $data with their modes"

systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
security="$(systemd-analyze security --offline=yes "$unit" 2>&1 | tail -n 1)"
[[ $security =~ exposure\ level\ for\ vmr-companion\.service:\ ([0-9.]+)\ ([A-Z]+) ]] || fail "systemd-analyze security said: $security"
case "${BASH_REMATCH[2]}" in
PERFECT | SAFE | OK) ;;
*) fail "systemd-analyze security scores the unit ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}, worse than OK" ;;
esac
ok "systemd-analyze verify passes; security: exposure ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"

# The example drop-ins, on the installed unit in a folder of its own (the
# machine's /etc/systemd stays untouched): each parses; without the port
# capability the unit has none left.
examples=/usr/share/doc/vmr-companion-server/examples
for dropin in port-above-1024 plain-key; do
	root="$tmp/root-$dropin"
	mkdir -p "$root/lib/systemd/system" "$root/etc/systemd/system/vmr-companion.service.d"
	cp "$unit" "$root/lib/systemd/system/"
	cp "$examples/$dropin.conf" "$root/etc/systemd/system/vmr-companion.service.d/"
	systemd-analyze security --offline=yes --root="$root" vmr-companion.service >"$tmp/security-$dropin.log" 2>&1 || true
	if grep -iE 'unknown|failed|invalid|ignoring' "$tmp/security-$dropin.log"; then
		fail "systemd does not take $examples/$dropin.conf as it is"
	fi
done
if ! grep -qE '✓ AmbientCapabilities=' "$tmp/security-port-above-1024.log" ||
	! grep -qE '✓ CapabilityBoundingSet=~CAP_NET_\(BIND_SERVICE' "$tmp/security-port-above-1024.log"; then
	fail "with port-above-1024.conf the unit still has capabilities: $(grep -E 'Capabilit' "$tmp/security-port-above-1024.log")"
fi
dropin_score="$(sed -n 's/.*exposure level for vmr-companion\.service: \([0-9.]*\).*/\1/p' "$tmp/security-port-above-1024.log")"
ok "example drop-ins parse; with port-above-1024.conf: no capabilities, exposure $dropin_score"

# The unit's settings, as written in the installed unit.
setting() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
exec_start="$(setting ExecStart)"
run_user="$(setting User)"
run_group="$(setting Group)"
umask_="$(setting UMask)"
workdir="$(setting WorkingDirectory)"
env_line="$(setting Environment)"
[[ -n $exec_start && $run_user == "$user" && $run_group == "$user" && -n $umask_ && -n $env_line ]] ||
	fail "$unit lacks ExecStart, User=$user, Group=$user, UMask or Environment"
read -r -a env_vars <<<"$env_line"
read -r -a command <<<"$exec_start"

# The credential folder systemd would make: the key, readable by the user only.
creds="$tmp/credentials"
chmod 0711 "$tmp" # the user may pass through to its own folder, no more
install -d -m 0700 -o "$user" -g "$user" "$creds"
runuser -u "$user" -- /usr/bin/vmr-companion-server secrets init --key-file "$creds/vmr-companion.key" >/dev/null
expect_mode "$creds/vmr-companion.key" "600 $user:$user"

# as_service CMD…: exec CMD as the unit runs its processes (call it in a
# subshell: it replaces the shell it runs in, so that $! is the service).
as_service() {
	cd "${workdir:-/}"
	umask "$umask_"
	# systemd sets HOME, USER and LOGNAME from User= and PATH; nothing else
	# but the unit's Environment= and the credentials folder.
	exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$home" USER="$run_user" LOGNAME="$run_user" "${env_vars[@]}" CREDENTIALS_DIRECTORY="$creds" \
		setpriv --reuid="$run_user" --regid="$run_group" --init-groups --inh-caps=-all -- "$@"
}

as_service "${command[@]}" >"$tmp/serve.log" 2>&1 &
pid=$!
ready=""
for _ in $(seq 1 300); do
	kill -0 "$pid" 2>/dev/null || {
		cat "$tmp/serve.log" >&2
		fail "the service exited before it was ready"
	}
	if [[ "$(curl -s -o "$tmp/readyz" -w '%{http_code}' "http://$metrics/readyz" || true)" == 200 ]]; then
		ready=1
		break
	fi
	sleep 0.1
done
[[ -n $ready ]] || {
	cat "$tmp/serve.log" >&2
	fail "http://$metrics/readyz did not answer 200 in 300 tries"
}
ok "$exec_start as $run_user: /readyz answers 200 ($(cat "$tmp/readyz"))"
[[ "$(stat -c %U "/proc/$pid")" == "$user" ]] || fail "the service does not run as $user"
expect_mode "$data/vmr-companion.db" "600 $user:$user"

kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=""
((code == 0)) || {
	cat "$tmp/serve.log" >&2
	fail "the service exited $code on SIGTERM, not 0"
}
ok "SIGTERM: the service exited 0"

# A secret stored the service's way is sealed in the database.
secret="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
(as_service /usr/bin/vmr-companion-server integrations create \
	--set name=Contoso --set url=https://mail.contoso.com/EWS/Exchange.asmx \
	--set domains=contoso.com --set room_mailbox_email_address=vmr@contoso.com \
	--set 'username=CONTOSO\svc-vmr' --secret password) <<<"$secret" >"$tmp/create.log" 2>&1 || {
	cat "$tmp/create.log" >&2
	fail "integrations create as $user"
}
(as_service /usr/bin/vmr-companion-server secrets status) >"$tmp/status.log" 2>&1 || {
	cat "$tmp/status.log" >&2
	fail "secrets status as $user"
}
grep -qi encrypted "$tmp/status.log" || fail "secrets status does not say the encrypted backend is in use: $(cat "$tmp/status.log")"
for f in "$data"/vmr-companion.db*; do
	! grep -qF "$secret" "$f" || fail "the secret is in $f in plain text"
done
ok "a secret stored as $user is sealed in $data/vmr-companion.db; secrets status opens it"

# Installing again is the upgrade path (postinst configure with the old
# version): it must succeed, also when the admin deleted the conffile
# (dpkg does not bring it back), and keep the modes.
for round in again without-config; do
	if [[ $round == without-config ]]; then mv "$etc/config.toml" "$tmp/config.toml.kept"; fi
	dpkg -i "$server_deb" >"$tmp/dpkg-i.log" 2>&1 || {
		cat "$tmp/dpkg-i.log" >&2
		fail "dpkg -i $server_deb over itself ($round)"
	}
	if [[ $round == without-config ]]; then mv "$tmp/config.toml.kept" "$etc/config.toml"; fi
done
expect_mode "$data" "750 $user:$user"
expect_mode "$etc/config.toml" "640 root:$user"
ok "installing over itself (an upgrade) works, also without the conffile"

# An admin's file in /etc/vmr-companion (as the key credential would be)
# must survive the purge.
head -c 64 /dev/urandom >"$etc/vmr-companion.key.cred"
chmod 0600 "$etc/vmr-companion.key.cred"

# remove keeps the configuration and the data; the program and unit go.
dpkg --remove vmr-companion-server >"$tmp/remove.log" 2>&1 || {
	cat "$tmp/remove.log" >&2
	fail "dpkg --remove vmr-companion-server"
}
[[ ! -e /usr/bin/vmr-companion-server && ! -e $unit ]] || fail "dpkg --remove left the program or the unit"
[[ -f $etc/config.toml && -f $data/vmr-companion.db ]] || fail "dpkg --remove took the configuration or the database"
[[ "$(dpkg-query -W -f='${db:Status-Status}' vmr-companion-server)" == config-files ]] || fail "after dpkg --remove the package is not in config-files state"
ok "remove keeps $etc/config.toml and $data"

dpkg --purge vmr-companion-server >"$tmp/purge.log" 2>&1 || {
	cat "$tmp/purge.log" >&2
	fail "dpkg --purge vmr-companion-server"
}
! installed vmr-companion-server || fail "dpkg still knows vmr-companion-server after the purge"
getent passwd "$user" >/dev/null || fail "the purge removed the user $user, which owns the kept data"
[[ -f $data/vmr-companion.db ]] || fail "the purge removed the database"
grep -q "kept /var/lib/vmr-companion" "$tmp/purge.log" || fail "the purge does not say what it kept: $(cat "$tmp/purge.log")"
left="$(comm -13 <(echo "$before") <(snapshot))"
want="$(printf '%s\n' "$etc" "$etc/vmr-companion.key.cred" "$data" "$data/devcert" "$data/vmr-companion.db" | sort)"
# The local CA's files under devcert/ belong to the kept data.
got="$(grep -vE "^$data/devcert/" <<<"$left" || true)"
[[ $got == "$want" ]] || fail "after the purge, left on the machine:"$'\n'"$left"$'\n'"want only:"$'\n'"$want"
gone="$(comm -23 <(echo "$before") <(snapshot))"
[[ -z $gone ]] || fail "the install and purge removed files that were there before:"$'\n'"$gone"
ok "purge keeps only: $etc/vmr-companion.key.cred (the admin's), $data (the database), the user and group $user"

# What a purge keeps, removed as the purge's message says.
rm -r "$data" "$etc"
# (deluser says it skips crontab removal where cron is not installed.)
deluser --system --quiet "$user" 2>/dev/null
! getent passwd "$user" >/dev/null || fail "deluser --system $user left the user"
! getent group "$user" >/dev/null || delgroup --system --quiet "$user"
! getent group "$user" >/dev/null || fail "the group $user is still there"

# === The desktop package ==================================================
deps "$desktop_deb"
dpkg -i "$desktop_deb" >"$tmp/dpkg-i.log" 2>&1 || {
	cat "$tmp/dpkg-i.log" >&2
	fail "dpkg -i $desktop_deb"
}
metainfo=/usr/share/metainfo/invalid.vmr_companion.VMRCompanion.metainfo.xml
expect_mode /usr/bin/vmr-companion "755 root:root"
expect_mode /usr/share/applications/vmr-companion.desktop "644 root:root"
expect_mode "$metainfo" "644 root:root"
for size in 256 512; do
	icon="/usr/share/icons/hicolor/${size}x${size}/apps/vmr-companion.png"
	expect_mode "$icon" "644 root:root"
	file "$icon" | grep -q "$size x $size" || fail "$icon is not $size px: $(file "$icon")"
done
desktop-file-validate /usr/share/applications/vmr-companion.desktop || fail "desktop-file-validate"
appstreamcli validate --no-net "$metainfo" >"$tmp/appstream.log" 2>&1 || {
	cat "$tmp/appstream.log" >&2
	fail "appstreamcli validate $metainfo"
}
/usr/bin/vmr-companion version | grep -q '^vmr-companion ' || fail "vmr-companion version does not run"
ok "desktop files: binary, .desktop entry and AppStream metainfo (both valid), icons"

dpkg --purge vmr-companion >"$tmp/purge.log" 2>&1 || {
	cat "$tmp/purge.log" >&2
	fail "dpkg --purge vmr-companion"
}
after="$(snapshot)"
[[ $after == "$before" ]] || fail "after purging the desktop package the file system differs:"$'\n'"$(diff <(echo "$before") <(echo "$after") || true)"
ok "purging the desktop package leaves nothing"
echo "test-deb: all checks passed"
