#!/usr/bin/env bash
# Tests the Windows packages `make package-windows` built, on Linux:
#   1. both are amd64 GUI PE images importing only Windows' own DLLs
#      (scripts/winpe);
#   2. the signing hook: the installer is built again from the same exe with
#      VMR_SIGN_COMMAND set to an osslsigncode wrapper and a certificate made
#      here, and osslsigncode verifies the exe, the installer and (after the
#      install below) the uninstaller. The certificate is self-signed, so the
#      chain is checked against that certificate as the trusted root: this
#      shows the signatures are well-formed and cover the files, not that
#      Windows would trust them (that takes a code-signing CA);
#   3. under Wine, when installed (Debian's wine, wine64): `vmr-companion.exe
#      version` runs; the installer installs silently per user (files, Start
#      menu, Apps & features); the uninstaller removes the program and keeps
#      the user's data, and with /REMOVEDATA removes that too.
# Without Wine, step 3 is skipped with a message: step 1 already checked the
# imports resolve against Windows' DLLs.
#
# Usage: scripts/test-windows-package.sh EXE INSTALLER
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 EXE INSTALLER (make test-package-windows passes them)" >&2
	exit 2
fi
exe=$(realpath "$1")
installer=$(realpath "$2")
for f in "$exe" "$installer"; do
	[[ -f $f ]] || { echo "test-windows-package: $f is missing: run make package-windows first" >&2; exit 1; }
done
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
work=$(mktemp -d /tmp/vmr-winpkg.XXXXXX)
wineserver_started=
cleanup() {
	# Only this test's prefix: its own wineserver and the programs in it.
	if [[ -n $wineserver_started ]]; then
		WINEPREFIX=$work/prefix wineserver -k 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
pass=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
fail() { echo "FAIL: $*" >&2; echo "$pass passed, 1 failed"; exit 1; }

echo "== PE images"
go build -o "$work/winpe" ./scripts/winpe
"$work/winpe" check -gui "$exe" "$installer" || fail "the packages are not sound Windows programs"
ok "amd64 GUI images importing only Windows' DLLs"

echo "== signing hook (osslsigncode, a certificate made for this test)"
signed_installer=
if command -v osslsigncode >/dev/null && command -v makensis >/dev/null && [[ -f build/windows/installer/tmp/MicrosoftEdgeWebview2Setup.exe ]]; then
	mkdir "$work/sign"
	openssl req -x509 -newkey rsa:3072 -nodes -days 2 -subj "/CN=VMR Companion test signer" \
		-addext extendedKeyUsage=codeSigning -keyout "$work/sign/key.pem" -out "$work/sign/cert.pem" 2>/dev/null
	openssl rand -hex 16 >"$work/sign/pass"
	openssl pkcs12 -export -inkey "$work/sign/key.pem" -in "$work/sign/cert.pem" \
		-passout "file:$work/sign/pass" -out "$work/sign/signer.p12"
	rm "$work/sign/key.pem"
	# The wrapper the docs describe: osslsigncode writes a new file, the
	# hook wants the file signed in place.
	cat >"$work/sign/sign.sh" <<EOF
#!/bin/sh
set -e
osslsigncode sign -pkcs12 "$work/sign/signer.p12" -readpass "$work/sign/pass" -h sha256 \\
	-n "VMR Companion" -in "\$1" -out "\$1.signed" >/dev/null
mv "\$1.signed" "\$1"
EOF
	chmod +x "$work/sign/sign.sh"
	cp "$exe" "$work/sign/vmr-companion.exe"
	signed_installer=$work/sign/installer.exe
	(cd build/windows/installer &&
		VMR_SIGN_COMMAND="$work/sign/sign.sh" VMR_SIGN_HOOK="$repo/scripts/windows-sign.sh" \
			VMR_PACKAGE_VERSION=test VMR_PRODUCT_VERSION=0.0.1 VMR_INSTALLER_PATH="$signed_installer" \
			makensis -V2 -DARG_WAILS_AMD64_BINARY="$work/sign/vmr-companion.exe" project.nsi) >"$work/sign/makensis.log" 2>&1 ||
		{ cat "$work/sign/makensis.log" >&2; fail "makensis with the signing hook"; }
	for f in "$work/sign/vmr-companion.exe" "$signed_installer"; do
		osslsigncode verify -CAfile "$work/sign/cert.pem" -in "$f" >"$work/sign/verify.log" 2>&1 ||
			{ cat "$work/sign/verify.log" >&2; fail "osslsigncode verify $(basename "$f")"; }
	done
	"$work/winpe" check -gui "$work/sign/vmr-companion.exe" "$signed_installer" >/dev/null || fail "signed files are not sound PE images"
	ok "the hook signed the exe before packing and the installer after; osslsigncode verifies both"
	# An unset VMR_SIGN_COMMAND leaves a file as it is.
	cp "$exe" "$work/unsigned.exe"
	VMR_SIGN_COMMAND= scripts/windows-sign.sh "$work/unsigned.exe"
	cmp -s "$exe" "$work/unsigned.exe" || fail "the hook changed a file without VMR_SIGN_COMMAND"
	ok "without VMR_SIGN_COMMAND the hook changes nothing"
else
	echo "skipped: needs osslsigncode, makensis and build/windows/installer/tmp (make package-windows)"
fi

echo "== under Wine"
if ! command -v wine >/dev/null; then
	echo "skipped: Wine is not installed (apt-get install wine wine64); the import check above stands in for it"
	echo "$pass passed, 0 failed"
	exit 0
fi
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEARCH=win64
# No Mono or Gecko installers (they would be fetched from the internet).
export WINEDLLOVERRIDES="mscoree=;mshtml=;bcryptprimitives=n"
wineserver_started=1
# Making a prefix has failed once in a while on a fresh machine (wineboot's
# first start); its output says why, and one more try in a new prefix is
# what a person would do.
boot() { timeout 300 wine wineboot --init >"$work/wineboot.log" 2>&1 && timeout 120 wineserver -w; }
if ! boot; then
	echo "(wineboot failed once; its output:)" >&2
	cat "$work/wineboot.log" >&2
	WINEPREFIX=$work/prefix wineserver -k 2>/dev/null || true
	timeout 120 wineserver -w 2>/dev/null || true
	rm -rf "$work/prefix"
	boot || { cat "$work/wineboot.log" >&2; fail "wineboot (twice; its output is above)"; }
fi
timeout 120 wine winecfg /v win10 >/dev/null 2>&1 || fail "winecfg /v win10"
# Debian 12's Wine 8.0 lacks bcryptprimitives.dll, which every Go program
# since Go 1.22 needs (see scripts/winpe/shim.go).
if [[ -z $(find /usr/lib /usr/lib64 /opt -path '*wine*' -name bcryptprimitives.dll -print -quit 2>/dev/null) ]]; then
	"$work/winpe" prng-shim "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
	echo "(this Wine has no bcryptprimitives.dll: installed the test's forwarding stand-in)"
fi
wine_run() { timeout 120 wine "$@"; }
settle() { timeout 120 wineserver -w; }

out=$(wine_run "$exe" version 2>"$work/stderr") || { cat "$work/stderr" >&2; fail "vmr-companion.exe version"; }
[[ $out == "vmr-companion "* ]] || fail "vmr-companion.exe version printed: $out"
ok "vmr-companion.exe version under Wine: $out"
wine_run "$exe" version --json >"$work/version.json" 2>"$work/stderr" || fail "version --json"
grep -q '"version"' "$work/version.json" || fail "version --json printed: $(cat "$work/version.json")"
ok "version --json under Wine"

# The WebView2 runtime counts as present (as on Windows 11), so the
# installer does not start Microsoft's bootstrapper, which would try the
# internet.
wine_run reg add 'HKCU\Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}' \
	/v pv /d 120.0.0.0 /f >/dev/null 2>&1 || fail "seeding the WebView2 registry key"

users=$WINEPREFIX/drive_c/users/$(whoami)
appdir="$users/AppData/Local/Programs/VMR Companion"
shortcut="$users/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/VMR Companion.lnk"
datadir="$users/AppData/Roaming/vmr-companion"
uninstall_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\VMR Companion'
install_from=${signed_installer:-$installer}

install() {
	wine_run "$install_from" /S || fail "silent install of $(basename "$install_from")"
	settle
	[[ -f "$appdir/vmr-companion.exe" && -f "$appdir/uninstall.exe" ]] || fail "install: the program or the uninstaller is missing in $appdir"
	[[ -f $shortcut ]] || fail "install: no Start-menu shortcut"
	wine_run reg query "$uninstall_key" /v UninstallString >/dev/null 2>&1 || fail "install: no Apps & features entry under HKCU"
}
uninstall() {
	wine_run "$appdir/uninstall.exe" /S "$@" || fail "silent uninstall $*"
	# The uninstaller runs from a copy in %TEMP%: wait for every program of
	# this prefix to end.
	settle
	[[ ! -e $appdir ]] || fail "uninstall $*: $appdir is still there"
	[[ ! -e $shortcut ]] || fail "uninstall $*: the Start-menu shortcut is still there"
	if wine_run reg query "$uninstall_key" >/dev/null 2>&1; then fail "uninstall $*: the Apps & features entry is still there"; fi
}

install
ok "silent per-user install: program, uninstaller, Start-menu shortcut, Apps & features entry"
if [[ -n $signed_installer ]]; then
	for f in uninstall.exe vmr-companion.exe; do
		osslsigncode verify -CAfile "$work/sign/cert.pem" -in "$appdir/$f" >"$work/verify.log" 2>&1 ||
			{ cat "$work/verify.log" >&2; fail "the installed $f is not signed"; }
	done
	ok "the installed program and uninstaller carry the hook's signature"
fi
# The installed program makes the user's data, as it would on Windows.
wine_run "$appdir/vmr-companion.exe" integrations list >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; fail "the installed program"; }
[[ -f $datadir/vmr-companion.db ]] || fail "the installed program made no store in $datadir"
uninstall
[[ -f $datadir/vmr-companion.db ]] || fail "uninstall without /REMOVEDATA removed the user's data"
ok "silent uninstall removes the program and keeps $datadir"

install
uninstall /REMOVEDATA
[[ ! -e $datadir ]] || fail "uninstall /REMOVEDATA left $datadir"
ok "silent uninstall /REMOVEDATA removes the user's data too"
echo "$pass passed, 0 failed"
