//go:build !linux

package cli

// stopTestPostgres: the multi-instance tests run on Linux only.
func stopTestPostgres() {}
