// Command hoststatic is the add-in host's static file serving on its own,
// for benchmarks: the same addinhost.Server as `vmr-companion serve`
// (files read into memory with their gzip form and ETag at start, the same
// middleware), but with the add-in files read from a folder instead of the
// build, and a certificate from PEM files instead of the local CA, so that
// it serves exactly the bytes and the certificate that the peer server in
// the benchmark serves. It has no integrations, so only /addin/… and
// /healthz answer.
//
//	hoststatic -dir site/addin -cert cert.pem -key key.pem -listen 127.0.0.1:3444
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"vmr-companion/backend/addinhost"
)

func main() {
	var dir, cert, key, listen string
	flag.StringVar(&dir, "dir", "", "folder served at /addin/")
	flag.StringVar(&cert, "cert", "", "PEM certificate (chain)")
	flag.StringVar(&key, "key", "", "PEM private key")
	flag.StringVar(&listen, "listen", "127.0.0.1:3444", "loopback address to listen on")
	flag.Parse()
	if err := run(dir, cert, key, listen); err != nil {
		fmt.Fprintln(os.Stderr, "hoststatic:", err)
		os.Exit(1)
	}
}

func run(dir, certFile, keyFile, listen string) error {
	if dir == "" || certFile == "" || keyFile == "" {
		return errors.New("-dir, -cert and -key are required")
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	host, err := addinhost.New(addinhost.Config{
		Listen:     listen,
		AddinFiles: os.DirFS(dir),
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return &pair, nil
		},
		Logger: logger,
	})
	if err != nil {
		return err
	}
	if err := host.Start(); err != nil {
		return err
	}
	fmt.Printf("serving %s at %s/addin/\n", dir, host.URL())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return host.Shutdown(shutdown)
}
