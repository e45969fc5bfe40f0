//go:build !unix

package secrets

import "os"

// checkKeyFileMode: Windows protects files with ACLs, not mode bits; the
// key file sits in the user's profile, which only that user can read.
func checkKeyFileMode(string, os.FileInfo) error { return nil }
