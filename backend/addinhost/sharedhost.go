package addinhost

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// NoAuthWarning is what the window, the log and serve's banner say while
// the host runs with --auth none.
const NoAuthWarning = "No authentication: anyone on this machine can act as anyone here " +
	"(reserve aliases in their name and read their personal VMRs and PINs). For development on a machine only you use."

// SessionCounter counts the people signed in to this machine
// interactively (desktop, console or remote sessions); 0 when the system
// records none.
type SessionCounter func() (int, error)

// ErrSharedHost refuses --auth none where other people are signed in: any
// of them could send X-VMR-User and read anyone's personal VMR PINs, and a
// secret in the served pane would not help, as they can fetch it too.
var ErrSharedHost = errors.New("addinhost: refusing --auth none on a machine several people are signed in to")

// checkSharedHost refuses AuthNone on a shared machine unless allowed.
func checkSharedHost(cfg Config) error {
	if cfg.Auth != AuthNone || cfg.AllowSharedHost {
		return nil
	}
	count := cfg.InteractiveUsers
	if count == nil {
		count = InteractiveUsers
	}
	n, err := count()
	if err != nil {
		return fmt.Errorf("%w: could not tell who is signed in (%w); use --auth oidc, or --allow-shared-host if only you use this machine", ErrSharedHost, err)
	}
	if n > 1 {
		return fmt.Errorf("%w: %d people are signed in, and without authentication each could act as any other; use --auth oidc, or --allow-shared-host to run it anyway", ErrSharedHost, n)
	}
	return nil
}

// CountLogindUsers counts the users with a session in systemd-logind's
// session directory (/run/systemd/sessions): each person once, however
// many sessions they have; greeters, background and closing sessions not.
// A missing directory counts nobody.
func CountLogindUsers(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("addinhost: reading %s: %w", dir, err)
	}
	uids := map[string]bool{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // the session ended meanwhile
		}
		if err != nil {
			return 0, fmt.Errorf("addinhost: reading %s: %w", dir, err)
		}
		kv := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				kv[k] = v
			}
		}
		if kv["CLASS"] == "user" && kv["STATE"] != "closing" && kv["UID"] != "" {
			uids[kv["UID"]] = true
		}
	}
	return len(uids), nil
}

// utmp records on Linux (utmp(5)): 384 bytes, ut_type an int16 at 0,
// ut_user 32 bytes at 44; USER_PROCESS (7) is a login.
const (
	utmpSize        = 384
	utmpUserOffset  = 44
	utmpUserLen     = 32
	utmpUserProcess = 7
)

// CountUtmpUsers counts the users of the login records of a utmp file,
// each once; a torn last record is ignored.
func CountUtmpUsers(data []byte) int {
	users := map[string]bool{}
	for len(data) >= utmpSize {
		rec := data[:utmpSize]
		data = data[utmpSize:]
		if int16(binary.LittleEndian.Uint16(rec)) != utmpUserProcess {
			continue
		}
		user, _, _ := bytes.Cut(rec[utmpUserOffset:utmpUserOffset+utmpUserLen], []byte{0})
		if len(user) > 0 {
			users[string(user)] = true
		}
	}
	return len(users)
}
