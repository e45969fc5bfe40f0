//go:build !linux && !windows

package addinhost

// InteractiveUsers is not counted on this system (macOS has no terminal
// servers to speak of): docs/admin-guide.md says so.
func InteractiveUsers() (int, error) { return 0, nil }
