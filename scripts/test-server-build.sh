#!/usr/bin/env bash
# test-server-build: checks that the server build (make server) has none of
# the desktop's native dependencies: no Wails in its Go dependencies, a
# static binary (ldd: "not a dynamic executable") or one needing only libc,
# and that it says it has no window instead of opening one.
#
#   scripts/test-server-build.sh [build/bin/vmr-companion-server]
set -euo pipefail

bin="${1:-build/bin/vmr-companion-server}"
cd "$(git rev-parse --show-toplevel)"
fail() {
	echo "test-server-build: $*" >&2
	exit 1
}

[[ -x $bin ]] || fail "$bin is missing: build it with make server"

wails="$(go list -deps -tags server,nodemo . | grep -i wails || true)"
[[ -z $wails ]] || fail "the server build imports Wails (only main_window.go, //go:build !server, may):"$'\n'"$wails"

# ldd prints "not a dynamic executable" (and exits 1) for a static binary.
libs="$(ldd "$bin" 2>&1 || true)"
if [[ $libs != *"not a dynamic executable"* ]]; then
	# Only the C library and the dynamic loader are allowed.
	other="$(grep -vE '^\s*(linux-vdso\.so|libc\.so\.6|/lib6?4?/ld-linux|ld-linux)' <<<"$libs" || true)"
	[[ -z $other ]] || fail "$bin needs libraries beyond libc (build it with CGO_ENABLED=0):"$'\n'"$other"
fi

# No command: the server build's message and status 1, nothing opened.
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
set +e
out="$(HOME="$home" XDG_CONFIG_HOME="$home/config" "$bin" 2>&1)"
code=$?
set -e
[[ $code -eq 1 ]] || fail "$bin with no command exited $code, not 1: $out"
[[ $out == *"this is the server build"*"the desktop app is the vmr-companion package"* ]] || fail "$bin with no command said: $out"
[[ -z "$(ls -A "$home")" ]] || fail "$bin with no command wrote to its home folder: $(ls -A "$home")"

version="$("$bin" version)"
[[ $version == vmr-companion* ]] || fail "$bin version said: $version"
echo "test-server-build: $bin needs no library beyond libc, links no Wails and has no window; $version"
