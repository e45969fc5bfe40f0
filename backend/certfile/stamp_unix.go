//go:build unix

package certfile

import (
	"os"
	"syscall"
)

// fileID tells a file replaced by rename from the one it replaced, even
// with the same size and time: its device and inode.
func fileID(fi os.FileInfo) [2]uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return [2]uint64{uint64(st.Dev), uint64(st.Ino)}
	}
	return [2]uint64{}
}
