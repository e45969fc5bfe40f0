#!/usr/bin/env bash
# deb-version: turns make's VERSION (`git describe --tags --always --dirty`)
# into a Debian version that sorts the way the builds were made:
#   v1.2.3              -> 1.2.3
#   v1.2.3-rc1          -> 1.2.3~rc1          (before 1.2.3)
#   v1.2.3-4-gabc1234   -> 1.2.3+4.gabc1234   (4 commits after 1.2.3)
#   abc1234 (no tag)    -> 0.0.0+N.gabc1234   (N: commits in the history)
#   v1.2.3-dirty        -> 1.2.3+0.dirty      (uncommitted changes on 1.2.3)
#   v1.2.3-4-gabc-dirty -> 1.2.3+4.gabc.dirty
# It fails on anything else rather than make a version dpkg would refuse or
# misorder. COMMITS overrides N (for the table test in scripts/test-deb.sh).
set -euo pipefail

v="${1:?usage: deb-version.sh VERSION}"
dirty=""
if [[ $v == *-dirty ]]; then
	dirty=1
	v="${v%-dirty}"
fi
v="${v#v}"
after=""
if [[ $v =~ ^([0-9a-f]{7,40})$ ]]; then
	# No tag at all: as if v0.0.0 were the first commit.
	n="${COMMITS:-$(git rev-list --count HEAD)}"
	after="$n.g$v"
	v="0.0.0"
elif [[ $v =~ ^(.*)-([0-9]+)-g([0-9a-f]{7,40})$ ]]; then
	after="${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}"
	v="${BASH_REMATCH[1]}"
fi
if ! [[ $v =~ ^[0-9][0-9A-Za-z.-]*$ ]]; then
	echo "deb-version: $1 is not a version tag like v1.2.3 or v1.2.3-rc1 (from git describe): tag the release as vMAJOR.MINOR.PATCH" >&2
	exit 1
fi
# A hyphen in the tag is a pre-release: ~ sorts it before the release.
v="${v//-/\~}"
if [[ -n $after ]]; then
	v="$v+$after"
fi
if [[ -n $dirty ]]; then
	# +0 sorts it after the tag and before the next commit.
	if [[ -n $after ]]; then v="$v.dirty"; else v="$v+0.dirty"; fi
fi
echo "$v"
