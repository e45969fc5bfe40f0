package addinhost_test

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/backend/addinhost"
)

// users counts a fixed number of people signed in to this machine.
func users(n int, err error) addinhost.SessionCounter {
	return func() (int, error) { return n, err }
}

func TestAuthNoneOnASharedMachine(t *testing.T) {
	cases := []struct {
		name    string
		auth    string
		allow   bool
		counter addinhost.SessionCounter
		refused bool
	}{
		{name: "one person signed in may run without authentication", auth: addinhost.AuthNone, counter: users(1, nil)},
		{name: "nobody recorded (a container) may run without authentication", auth: addinhost.AuthNone, counter: users(0, nil)},
		{name: "two people signed in are refused without authentication", auth: addinhost.AuthNone, counter: users(2, nil), refused: true},
		{name: "the default mode is no authentication, and refused likewise", auth: "", counter: users(3, nil), refused: true},
		{name: "--allow-shared-host runs it anyway", auth: addinhost.AuthNone, allow: true, counter: users(2, nil)},
		{name: "oidc is fine on a shared machine", auth: addinhost.AuthOIDC, counter: users(40, nil)},
		{name: "sessions that cannot be counted are refused, saying how to go on", auth: addinhost.AuthNone,
			counter: users(0, errors.New("reading /run/systemd/sessions: permission denied")), refused: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := addinhost.New(addinhost.Config{Listen: "127.0.0.1:0", Auth: tc.auth, AllowSharedHost: tc.allow, InteractiveUsers: tc.counter})
			if !tc.refused {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, addinhost.ErrSharedHost) || !strings.Contains(err.Error(), "--allow-shared-host") || !strings.Contains(err.Error(), "--auth oidc") {
				t.Fatalf("New: %v, want ErrSharedHost naming --allow-shared-host and --auth oidc", err)
			}
		})
	}
}

func TestCountingInteractiveUsers(t *testing.T) {
	t.Run("systemd-logind sessions count each person once, greeters and closing sessions not at all", func(t *testing.T) {
		dir := t.TempDir()
		for name, body := range map[string]string{
			"1":  "UID=1000\nUSER=alice\nACTIVE=1\nSTATE=active\nTYPE=wayland\nCLASS=user\n",
			"2":  "UID=1000\nUSER=alice\nSTATE=online\nTYPE=tty\nCLASS=user\nREMOTE=1\n",
			"3":  "UID=1001\nUSER=bob\nSTATE=online\nTYPE=tty\nCLASS=user\nREMOTE=1\n",
			"c4": "UID=114\nUSER=gdm\nSTATE=online\nTYPE=wayland\nCLASS=greeter\n",
			"5":  "UID=1002\nUSER=carol\nSTATE=closing\nTYPE=tty\nCLASS=user\n",
		} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := addinhost.CountLogindUsers(dir); err != nil || n != 2 {
			t.Fatalf("got %d, %v; want 2 (alice and bob)", n, err)
		}
	})
	t.Run("no logind directory counts nobody", func(t *testing.T) {
		if n, err := addinhost.CountLogindUsers(filepath.Join(t.TempDir(), "missing")); err != nil || n != 0 {
			t.Fatalf("got %d, %v", n, err)
		}
	})
	t.Run("utmp counts the users of its login records once each", func(t *testing.T) {
		var b []byte
		for _, r := range []struct {
			typ  int16
			user string
		}{{7, "alice"}, {7, "alice"}, {7, "bob"}, {8, "carol"}, {2, "reboot"}, {6, "LOGIN"}} {
			rec := make([]byte, 384)
			rec[0], rec[1] = byte(r.typ), byte(r.typ>>8)
			copy(rec[44:76], r.user)
			b = append(b, rec...)
		}
		if n := addinhost.CountUtmpUsers(b); n != 2 {
			t.Fatalf("got %d, want 2 (alice and bob)", n)
		}
		if n := addinhost.CountUtmpUsers(b[:500]); n != 1 {
			t.Fatalf("a torn record: got %d, want 1", n)
		}
	})
}

func TestTheLogSaysAnyoneCanActAsAnyoneWithoutAuthentication(t *testing.T) {
	e := newEnv(t)
	var log bytes.Buffer
	cfg := e.config()
	cfg.Logger = slog.New(slog.NewTextHandler(&log, nil))
	startHost(t, e, cfg)
	if !strings.Contains(log.String(), "anyone on this machine can act as anyone") {
		t.Fatalf("log %q", log.String())
	}
}
