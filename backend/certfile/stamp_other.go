//go:build !unix

package certfile

import "os"

// fileID is zero where os.FileInfo carries no inode (Windows): the time
// and size still change with each renewal.
func fileID(os.FileInfo) [2]uint64 { return [2]uint64{} }
