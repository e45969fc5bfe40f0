//go:build !windows

package cli

import (
	"fmt"
	"os"
	"syscall"
)

// looseConfigPermissions warns about a config file others could change:
// writable by everyone, or owned by neither root nor the user running
// the program. Settings choose where secrets and data are, so such a
// file would let someone else steer the service.
func looseConfigPermissions(path string, st os.FileInfo) []string {
	var warnings []string
	if st.Mode().Perm()&0o002 != 0 {
		warnings = append(warnings, fmt.Sprintf("%s is writable by every user (mode %04o): anyone could change the settings; run: chmod o-w %s", path, st.Mode().Perm(), path))
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		if uid := int(sys.Uid); uid != 0 && uid != os.Getuid() {
			warnings = append(warnings, fmt.Sprintf("%s is owned by user id %d, neither root nor the user running this (%d): that user could change the settings; run: chown root %s", path, uid, os.Getuid(), path))
		}
	}
	return warnings
}
