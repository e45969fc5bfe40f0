package devcert

import (
	"context"
	"crypto/tls"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLoaderRenewal(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name        string
		renewBefore time.Duration // 0: the default
		advance     time.Duration
		wantRenewed bool
	}{
		{"a fresh leaf is kept", 0, 0, false},
		{"a leaf with eight days left is kept", 0, 22 * day, false},
		{"a leaf with seven days left is re-issued", 0, 23 * day, true},
		{"an expired leaf is re-issued", 0, 31 * day, true},
		{"a longer renewal window re-issues earlier", 20 * day, 11 * day, true},
		{"a shorter renewal window re-issues later", day, 28 * day, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			a := newAuthority(t, clock)
			l, err := NewLoader(a, []string{"app.localhost"})
			if err != nil {
				t.Fatal(err)
			}
			if tt.renewBefore != 0 {
				l.SetRenewBefore(tt.renewBefore)
			}
			first, err := l.GetCertificate(&tls.ClientHelloInfo{})
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(tt.advance)
			got, err := l.GetCertificate(&tls.ClientHelloInfo{})
			if err != nil {
				t.Fatal(err)
			}
			if renewed := got != first; renewed != tt.wantRenewed {
				t.Fatalf("renewed = %v, want %v", renewed, tt.wantRenewed)
			}
			if tt.wantRenewed {
				if !got.Leaf.NotAfter.Equal(clock.Now().Add(leafLifetime)) {
					t.Errorf("renewed leaf ends %v", got.Leaf.NotAfter)
				}
				if err := verifyAs(got.Leaf, a.Certificate(), "app.localhost", clock.Now()); err != nil {
					t.Errorf("renewed leaf: %v", err)
				}
			}
			if err := l.LastError(); err != nil {
				t.Errorf("LastError = %v", err)
			}
		})
	}
}

func TestLoaderFollowsARegeneratedCA(t *testing.T) {
	clock := newFakeClock()
	a := newAuthority(t, clock)
	l, err := NewLoader(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := l.GetCertificate(&tls.ClientHelloInfo{})
	if err := a.Regenerate(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := l.GetCertificate(&tls.ClientHelloInfo{})
	if got == first {
		t.Fatal("the leaf of the old CA is still served")
	}
	if err := verifyAs(got.Leaf, a.Certificate(), "localhost", clock.Now()); err != nil {
		t.Errorf("the new leaf does not verify against the new CA: %v", err)
	}
}

func TestLoaderKeepsTheOldLeafWhenRenewalFails(t *testing.T) {
	t.Run("after the CA expired, the old leaf stays and the error is reported", func(t *testing.T) {
		clock := newFakeClock()
		a := newAuthority(t, clock)
		l, err := NewLoader(a, nil)
		if err != nil {
			t.Fatal(err)
		}
		first, _ := l.GetCertificate(&tls.ClientHelloInfo{})
		clock.Advance(caLifetime + time.Hour)
		got, err := l.GetCertificate(&tls.ClientHelloInfo{})
		if err != nil || got != first {
			t.Fatalf("GetCertificate = %p, %v; want the old leaf %p and no error", got, err, first)
		}
		if err := l.LastError(); err == nil || !strings.HasPrefix(err.Error(), "devcert: ") || !strings.Contains(err.Error(), "expired") {
			t.Errorf("LastError = %v", err)
		}
	})

	t.Run("after a regeneration drops a name the loader serves, the old leaf stays", func(t *testing.T) {
		ctx := context.Background()
		clock := newFakeClock()
		dir, keys := t.TempDir(), memoryKeychain(t)
		old, err := LoadOrCreate(ctx, Options{Dir: dir, Keys: keys, ExtraNames: []string{"vmr.test"}, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		l, err := NewLoader(old, []string{"vmr.test"})
		if err != nil {
			t.Fatal(err)
		}
		first, _ := l.GetCertificate(&tls.ClientHelloInfo{})
		// The user removed vmr.test from the dev names and regenerated.
		if err := old.SetExtraNames(nil); err != nil {
			t.Fatal(err)
		}
		if err := old.Regenerate(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ := l.GetCertificate(&tls.ClientHelloInfo{})
		if got != first {
			t.Error("the old leaf was replaced")
		}
		if err := l.LastError(); err == nil || !strings.Contains(err.Error(), "vmr.test") {
			t.Errorf("LastError = %v", err)
		}
	})
}

func TestLoaderNames(t *testing.T) {
	ctx := context.Background()

	t.Run("a loader for a name outside the constraints is refused", func(t *testing.T) {
		a := newAuthority(t, newFakeClock())
		if _, err := NewLoader(a, []string{"example.com"}); err == nil {
			t.Error("NewLoader accepted example.com")
		}
	})

	t.Run("a dev name added later is served after regenerating and setting the names", func(t *testing.T) {
		clock := newFakeClock()
		a := newAuthority(t, clock)
		l, err := NewLoader(a, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.SetNames([]string{"vmr.test"}); err == nil {
			t.Fatal("SetNames accepted a name the CA does not permit")
		}
		if err := a.SetExtraNames([]string{"vmr.test"}); err != nil {
			t.Fatal(err)
		}
		if err := a.Regenerate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := l.SetNames([]string{"vmr.test"}); err != nil {
			t.Fatal(err)
		}
		got, _ := l.GetCertificate(&tls.ClientHelloInfo{})
		if err := verifyAs(got.Leaf, a.Certificate(), "vmr.test", clock.Now()); err != nil {
			t.Error(err)
		}
	})

	t.Run("a public suffix is refused as an extra name later too", func(t *testing.T) {
		a := newAuthority(t, newFakeClock())
		if err := a.SetExtraNames([]string{"co.uk"}); err == nil {
			t.Error("SetExtraNames accepted co.uk")
		}
	})
}

// TestLoaderUnderConcurrentHandshakes runs handshakes, clock jumps and a
// regeneration at once; the race detector checks the locking.
func TestLoaderUnderConcurrentHandshakes(t *testing.T) {
	clock := newFakeClock()
	a := newAuthority(t, clock)
	l, err := NewLoader(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				c, err := l.GetCertificate(&tls.ClientHelloInfo{})
				if err != nil || c == nil || c.Leaf == nil {
					t.Errorf("GetCertificate = %v, %v", c, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			clock.Advance(5 * 24 * time.Hour)
			runtime.Gosched() // let handshakes run between the clock steps
		}
	})
	wg.Go(func() {
		if err := a.Regenerate(context.Background()); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	final, _ := l.GetCertificate(&tls.ClientHelloInfo{})
	if err := verifyAs(final.Leaf, a.Certificate(), "localhost", clock.Now()); err != nil {
		t.Errorf("the leaf served at the end does not verify: %v", err)
	}
}
