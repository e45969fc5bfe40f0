#!/usr/bin/env bash
# The signing hook of the Windows packages: `make package-windows` runs it on
# vmr-companion.exe before the installer packs it, and makensis on the
# uninstaller and the installer once written. With VMR_SIGN_COMMAND unset it
# does nothing (unsigned packages); otherwise it runs that command with the
# file as its last argument, and the command must sign the file in place.
# The command is split into words like a shell would, without expansions:
# put anything more complex in a script and name that. Examples (see
# docs/development.md, "Windows installer"):
#   VMR_SIGN_COMMAND="/path/to/osslsign-wrapper.sh"
#   VMR_SIGN_COMMAND="signtool.exe sign /fd SHA256 /tr http://timestamp.example /td SHA256 /f cert.pfx"
set -euo pipefail

if [[ $# -ne 1 ]]; then
	echo "windows-sign: usage: $0 FILE" >&2
	exit 2
fi
file=$1
[[ -n ${VMR_SIGN_COMMAND:-} ]] || exit 0
if [[ ! -f $file ]]; then
	echo "windows-sign: $file does not exist" >&2
	exit 1
fi
read -r -a cmd <<<"$VMR_SIGN_COMMAND"
before=$(sha256sum "$file")
if ! "${cmd[@]}" "$file"; then
	echo "windows-sign: VMR_SIGN_COMMAND failed on $file (command: ${cmd[0]})" >&2
	exit 1
fi
# A command that wrote its output somewhere else leaves the file unsigned.
if [[ $(sha256sum "$file") == "$before" ]]; then
	echo "windows-sign: VMR_SIGN_COMMAND left $file unchanged: it must sign the file in place" >&2
	exit 1
fi
echo "windows-sign: signed $file"
