package addinhost

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// InteractiveUsers counts the people signed in to this machine: from
// systemd-logind's sessions where it runs, else from utmp.
func InteractiveUsers() (int, error) {
	const logind = "/run/systemd/sessions"
	if _, err := os.Stat(logind); err == nil {
		return CountLogindUsers(logind)
	}
	for _, path := range []string{"/run/utmp", "/var/run/utmp"} {
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("addinhost: reading %s: %w", path, err)
		}
		return CountUtmpUsers(data), nil
	}
	return 0, nil
}
