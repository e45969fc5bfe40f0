// Package checkrepo holds the test of scripts/check-repo.sh, the guard that
// keeps large files and build outputs out of the repository. The script is
// what CI runs; this package only exists so `go test ./...` exercises it
// against throwaway git repositories.
package checkrepo
