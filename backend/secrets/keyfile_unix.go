//go:build unix

package secrets

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// checkKeyFileMode refuses a key file that others can read or that
// belongs to someone else.
func checkKeyFileMode(path string, fi os.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("secrets: the key file %s has mode %04o, so other users may read it; run: chmod 600 %s", path, perm, path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Geteuid(); int(st.Uid) != uid {
		name := strconv.Itoa(uid)
		if u, err := user.LookupId(name); err == nil {
			name = u.Username
		}
		return fmt.Errorf("secrets: the key file %s belongs to user id %d, not to the user running vmr-companion (%s); run: chown %s %s", path, st.Uid, name, name, path)
	}
	return nil
}
