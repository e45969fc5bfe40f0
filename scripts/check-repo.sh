#!/usr/bin/env bash
# check-repo: keeps the repository small and free of build outputs. It fails
# when a tracked (committed or staged) file is larger than 2 MB, or when a
# tracked file is something a build makes (Go test binaries, build/bin,
# frontend/dist, node_modules, profiles). Run from anywhere inside the
# repository to check; .ci/run and `make lint` run it from the root.
#
# A 27 MB test binary once made up almost all of this repository's size:
# every clone downloads every version of every file forever, so a large
# file is cheap to add and impossible to take back.
set -euo pipefail

# Files allowed above the limit, one path a line with a comment saying why.
# Keep it short: most large files belong in a release or an LFS store.
ALLOWED_LARGE=(
)

limit=$((2 * 1024 * 1024))

if ! root="$(git rev-parse --show-toplevel 2>/dev/null)"; then
	echo "check-repo: $(pwd) is not inside a git repository: run it from a clone of the project" >&2
	exit 2
fi
cd "$root"

allowed() {
	local f
	for f in "${ALLOWED_LARGE[@]}"; do
		[[ "$1" == "$f" ]] && return 0
	done
	return 1
}

# build_output says whether a path is something a build or test run makes.
build_output() {
	case "$1" in
	*.test | *.prof | *.partial) return 0 ;;
	build/bin/* | build/artifacts/* | build/packages/* | build/icons/* | bench/out/* | bench/wds/dist/*) return 0 ;;
	frontend/dist/.gitkeep) return 1 ;;
	frontend/dist/*) return 0 ;;
	node_modules/* | */node_modules/*) return 0 ;;
	esac
	return 1
}

problems=0
# Sizes come from the index (what is committed or staged), not the working
# tree, in one cat-file batch; gitlinks (submodules) have no blob to measure.
paths=()
oids=()
while IFS= read -r -d '' entry; do
	read -r mode oid _ <<<"${entry%%$'\t'*}"
	[[ "$mode" == 160000 ]] && continue
	paths+=("${entry#*$'\t'}")
	oids+=("$oid")
done < <(git ls-files --stage -z)
sizes=()
if ((${#oids[@]} > 0)); then
	mapfile -t sizes < <(printf '%s\n' "${oids[@]}" | git cat-file --batch-check='%(objectsize)')
fi

for i in "${!paths[@]}"; do
	path="${paths[$i]}"
	size="${sizes[$i]}"
	mb="$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')"
	if build_output "$path"; then
		echo "check-repo: $path ($mb MB) is a build output and must not be tracked: run 'git rm --cached -- $path' and make sure .gitignore covers it" >&2
		problems=$((problems + 1))
	elif ((size > limit)) && ! allowed "$path"; then
		echo "check-repo: $path is $mb MB, over the 2 MB limit for tracked files: run 'git rm --cached -- $path' (and ignore it in .gitignore if a build makes it); if it truly belongs in the repository, add it to ALLOWED_LARGE in scripts/check-repo.sh with a comment saying why" >&2
		problems=$((problems + 1))
	fi
done

if ((problems > 0)); then
	echo "check-repo: $problems problem(s); a file already in an earlier commit stays in the history: ask before rewriting it" >&2
	exit 1
fi
