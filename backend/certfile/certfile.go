// Package certfile serves a certificate and key kept in files (serve
// --tls-cert/--tls-key): an admin's or an ACME client's, for the add-in
// host's addin_server_domain. It re-reads the files when they change, as
// certbot renews them in place or by rename, and keeps serving the
// certificate it has while a new pair does not load.
package certfile

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"
)

// DefaultCheckEvery is how often a handshake looks at the files: a stat
// of two files every few seconds costs nothing, and a renewal is seen
// well before the old certificate runs out.
const DefaultCheckEvery = 10 * time.Second

// Options tune a Loader; the zero value works.
type Options struct {
	// Now is the clock for the checks and the validity; nil is time.Now.
	Now func() time.Time
	// CheckEvery spaces the looks at the files (DefaultCheckEvery when 0).
	CheckEvery time.Duration
	// Logger learns of each re-read and, once per distinct failure, why a
	// changed pair was not taken; nil discards.
	Logger *slog.Logger
}

// Loader serves a certificate file and its key through
// tls.Config.GetCertificate. A handshake at most every CheckEvery looks at
// the files' time, size and inode; when they changed it reads them again,
// and takes the new pair only if it passes every check of Parse. Reload
// reads them at once (SIGHUP). Connections already open keep the
// certificate they were made with. It is safe for concurrent use; make it
// with Open.
type Loader struct {
	certFile, keyFile string
	now               func() time.Time
	every             time.Duration
	log               *slog.Logger

	// reading is held while the files are read, so that one goroutine
	// reads them; a handshake that finds it held serves the current pair.
	reading sync.Mutex

	mu        sync.RWMutex
	cert      *tls.Certificate
	seen      stamp     // the files as last read, whether they loaded or not
	nextCheck time.Time // no look at the files before then
	warned    string    // the failure last logged, so each is logged once
}

// stamp is what tells that a file changed.
type stamp struct {
	cert, key fileStamp
}

type fileStamp struct {
	mtime int64 // ns
	size  int64
	id    [2]uint64
}

// Open loads the pair and returns a Loader serving it; a pair that fails
// a check of Parse is an error naming the files and what to do.
func Open(certFile, keyFile string, o Options) (*Loader, error) {
	l := &Loader{certFile: certFile, keyFile: keyFile, now: o.Now, every: o.CheckEvery, log: o.Logger}
	if l.now == nil {
		l.now = time.Now
	}
	if l.every <= 0 {
		l.every = DefaultCheckEvery
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	st, _ := l.stat() // a failure here fails the read below, with its reason
	cert, err := Load(certFile, keyFile, l.now())
	if err != nil {
		return nil, err
	}
	l.cert, l.seen, l.nextCheck = cert, st, l.now().Add(l.every)
	return l, nil
}

// GetCertificate returns the pair to serve, after reading the files
// again if they changed since the last look (at most every CheckEvery).
// It never fails: a pair that does not load leaves the current one.
func (l *Loader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	l.check()
	return l.Certificate(), nil
}

// Certificate returns the pair served now, without looking at the
// files. Do not modify it.
func (l *Loader) Certificate() *tls.Certificate {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.cert
}

// Leaf returns the certificate served now, after looking at the files
// like a handshake does, so that the expiry metric and /readyz follow a
// renewal even while no client connects.
func (l *Loader) Leaf() *x509.Certificate {
	l.check()
	return l.Certificate().Leaf
}

// Files are the certificate and key files, as given to Open.
func (l *Loader) Files() (certFile, keyFile string) { return l.certFile, l.keyFile }

// Reload reads the files now, changed or not. If the pair fails a check,
// the current one stays and the error says why.
func (l *Loader) Reload() error {
	l.reading.Lock()
	defer l.reading.Unlock()
	st, _ := l.stat()
	return l.load(st)
}

// check reads the files again if the time for a look came and they
// changed; a look under way elsewhere is not waited for.
func (l *Loader) check() {
	now := l.now()
	l.mu.RLock()
	due := !now.Before(l.nextCheck)
	l.mu.RUnlock()
	if !due || !l.reading.TryLock() {
		return
	}
	defer l.reading.Unlock()
	l.mu.Lock()
	if now.Before(l.nextCheck) { // another handshake just looked
		l.mu.Unlock()
		return
	}
	l.nextCheck = now.Add(l.every)
	seen := l.seen
	l.mu.Unlock()

	st, err := l.stat()
	if err != nil {
		// Gone for a moment (a renewal replacing it) or for good: the
		// current pair stays, and the files are looked at again later.
		l.warn(err)
		return
	}
	if st == seen {
		return
	}
	l.load(st)
}

// load reads the pair and takes it if it passes; st is the files' stamp
// from before the read, so that a write during the read is seen at the
// next look. The caller holds l.reading.
func (l *Loader) load(st stamp) error {
	cert, err := Load(l.certFile, l.keyFile, l.now())
	l.mu.Lock()
	l.seen = st
	l.nextCheck = l.now().Add(l.every)
	if err == nil {
		l.cert, l.warned = cert, ""
	}
	l.mu.Unlock()
	if err != nil {
		l.warn(err)
		return err
	}
	l.log.Info("certificate re-read", "subject", cert.Leaf.Subject.String(), "names", Names(cert.Leaf),
		"expires", cert.Leaf.NotAfter.UTC().Format(time.RFC3339), "file", l.certFile)
	return nil
}

// warn logs why the files were not taken, once per distinct reason: a
// half-written renewal is seen at every look until it completes.
func (l *Loader) warn(err error) {
	l.mu.Lock()
	repeated := l.warned == err.Error()
	l.warned = err.Error()
	current := l.cert.Leaf
	l.mu.Unlock()
	if repeated {
		return
	}
	l.log.Warn("the certificate files changed but cannot be used; the current certificate stays in use until they are fixed",
		"error", err, "serving", current.Subject.String(), "expires", current.NotAfter.UTC().Format(time.RFC3339))
}

func (l *Loader) stat() (stamp, error) {
	c, errC := statFile(l.certFile)
	k, errK := statFile(l.keyFile)
	return stamp{cert: c, key: k}, errors.Join(errC, errK)
}

func statFile(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{mtime: fi.ModTime().UnixNano(), size: fi.Size(), id: fileID(fi)}, nil
}
