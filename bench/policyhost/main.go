// Command policyhost is the policy benchmark's server side. It seeds a
// data folder with live scheduled conferences through the store's and the
// scheduler's own repository calls, and serves it with the same
// addinhost.Server and policy.Handler as `vmr-companion serve`, with a
// certificate from PEM files and the credentials from the environment
// instead of the local CA and the keychain (a benchmark's throwaway
// session has no keychain), and the task pane's files from a folder, so
// the same process serves both loads of the benchmark.
//
//	policyhost seed -data-dir D -n 10000 -aliases aliases.txt
//	BENCH_POLICY_USER=u BENCH_POLICY_PASSWORD=p policyhost serve -data-dir D -cert c.pem -key k.pem -addin site/addin -listen 127.0.0.1:3445
//	policyhost logged -data-dir D
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/alias"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/policy"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: policyhost seed|serve|logged [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dir := fs.String("data-dir", "", "data folder")
	n := fs.Int("n", 10000, "seed: live scheduled conferences")
	aliasFile := fs.String("aliases", "", "seed: file to write the aliases to, one a line, in the forms Infinity sends")
	cert := fs.String("cert", "", "serve: PEM certificate")
	key := fs.String("key", "", "serve: PEM private key")
	addin := fs.String("addin", "", "serve: folder served at /addin/")
	listen := fs.String("listen", "127.0.0.1:3445", "serve: loopback address")
	cpuProfile := fs.String("cpuprofile", "", "serve: write a CPU profile of the whole run to this file")
	fs.Parse(os.Args[2:])
	var err error
	switch {
	case *dir == "":
		err = errors.New("-data-dir is required")
	case os.Args[1] == "seed":
		err = seed(*dir, *n, *aliasFile)
	case os.Args[1] == "serve":
		err = serve(*dir, *cert, *key, *addin, *listen, *cpuProfile)
	case os.Args[1] == "logged":
		err = logged(*dir)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "policyhost:", err)
		os.Exit(1)
	}
}

// seed makes one policy-provisioned integration and n reservations, each
// used by a meeting live now (every tenth a daily series), committed as
// the scheduler commits an accepted meeting.
func seed(dir string, n int, aliasFile string) error {
	ctx := context.Background()
	st, err := store.OpenDir(ctx, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	in := integration.Defaults()
	in.UUID, in.Name = "00000000-0000-4000-8000-00000000b001", "Bench"
	in.URL, in.Username, in.Domains = "https://mail.example.com/EWS/Exchange.asmx", "svc@example.com", []string{"example.com"}
	in.EnableDynamicVMRs, in.ScheduledAliasDomain, in.AddinServerDomain = true, "vc.example.com", "addins.example.com"
	in.ScheduledAliasSuffixLength = 8
	group := "Staff"
	in.HostIdentityProviderGroup = &group
	if err := st.Integrations().Create(ctx, []*integration.Integration{in}); err != nil {
		return err
	}
	aliases := alias.NewService(st.Aliases(), 24*time.Hour)
	now := time.Now().UTC().Truncate(time.Minute)
	out := make([]*alias.ScheduledAlias, n)
	// Concurrent reservations share transactions (the store's group commit).
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 64 {
				a, _, err := aliases.Reserve(ctx, in, fmt.Sprintf("bench-item-%d", i), "organizer@example.com")
				if err != nil {
					errs <- err
					return
				}
				out[i] = a
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	repo := st.Scheduler()
	for i, a := range out {
		rec := &scheduler.Record{IntegrationID: in.ID, ScheduledAliasID: a.ID, Description: "Booked by organizer@example.com"}
		c := &rec.ScheduledConference
		c.Alias, c.NumericAlias, c.AliasUUID, c.MeetingUID = a.Alias, a.NumericAlias, a.UUID, fmt.Sprintf("bench-uid-%d", i)
		c.ConferenceName, c.Subject, c.Organizer = fmt.Sprintf("Meeting %d (Organizer)", i), fmt.Sprintf("Meeting %d", i), "organizer@example.com"
		c.Kind, c.State = scheduler.KindSingle, scheduler.StateActive
		c.Start, c.End = now.Add(-10*time.Minute), now.Add(4*time.Hour)
		c.ValidFrom, c.ValidUntil = c.Start.Add(-30*time.Minute), c.End.Add(time.Hour)
		if i%10 == 0 {
			c.Kind, c.Recurrence = scheduler.KindRecurring, "FREQ=DAILY;COUNT=30"
			c.ValidUntil = c.End.Add(29*24*time.Hour + time.Hour)
		}
		err := repo.Commit(ctx, &scheduler.Outcome{IntegrationID: in.ID, ItemID: c.MeetingUID, ChangeKey: "1",
			Entry:      scheduler.LogEntry{TransactionID: c.MeetingUID, Time: now, Success: true, Code: "accept_new_single"},
			Conference: rec, UseAlias: a.ID})
		if err != nil {
			return err
		}
	}
	if aliasFile == "" {
		return nil
	}
	f, err := os.Create(aliasFile)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for i, a := range out {
		// The forms a Conferencing Node sends, in turn.
		switch i % 4 {
		case 0:
			fmt.Fprintln(w, "sip:"+a.Alias)
		case 1:
			fmt.Fprintln(w, a.Alias)
		case 2:
			fmt.Fprintln(w, "sip:"+a.Alias+";transport=tls")
		default:
			fmt.Fprintln(w, a.NumericAlias)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Printf("seeded %d live scheduled conferences in %s\n", n, dir)
	return f.Close()
}

func serve(dir, certFile, keyFile, addin, listen, cpuProfile string) error {
	if certFile == "" || keyFile == "" || addin == "" {
		return errors.New("-cert, -key and -addin are required")
	}
	creds := policy.Credentials{Username: os.Getenv("BENCH_POLICY_USER"), Password: secrets.New(os.Getenv("BENCH_POLICY_PASSWORD"))}
	if creds.IsZero() {
		return errors.New("set BENCH_POLICY_USER and BENCH_POLICY_PASSWORD")
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := store.OpenDir(ctx, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ph, err := policy.New(ctx, policy.Config{Repository: st.Policy(), Credentials: creds, Logger: logger})
	if err != nil {
		return err
	}
	host, err := addinhost.New(addinhost.Config{Listen: listen, AddinFiles: os.DirFS(addin), Policy: ph, Logger: logger,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &pair, nil }})
	if err != nil {
		return err
	}
	if err := host.Start(); err != nil {
		return err
	}
	fmt.Printf("serving %s at %s%s and %s/addin/\n", dir, host.URL(), policy.Path, host.URL())
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = host.Shutdown(shutdown)
	return errors.Join(err, ph.Close(shutdown))
}

// logged prints how many policy decisions the operations log holds.
func logged(dir string) error {
	ctx := context.Background()
	st, err := store.OpenDir(ctx, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	entries, err := st.Scheduler().Log(ctx, 0, 10_000_000)
	if err != nil {
		return err
	}
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Code, "policy_") {
			n++
		}
	}
	fmt.Printf("LOGGED policy_decisions=%d\n", n)
	return nil
}
