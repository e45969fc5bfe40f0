#!/usr/bin/env bash
# Installs the given Debian/Ubuntu packages if any is missing. Elsewhere
# (macOS, Windows, other Linux) it names them and leaves the rest to you:
# Wails' own docs list each platform's equivalents.
set -euo pipefail

missing=()
if command -v dpkg-query >/dev/null; then
	for pkg in "$@"; do
		status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
		[[ "$status" == "install ok installed" ]] || missing+=("$pkg")
	done
else
	if [[ "$(uname -s)" == Linux ]]; then
		echo "install-deps: no dpkg here; make sure these (or your distribution's equivalents) are installed: $*" >&2
	fi
	exit 0
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null; then
		sudo=(sudo)
	else
		echo "install-deps: missing packages and not root (no sudo): apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Servers among the packages (apache2, nginx) are for tests, which start
# them with their own configuration on loopback: keep apt from starting
# them on public ports during the install.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod +x "$policy"
	trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
