package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/app/wire"
	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/certfile"
)

// tlsFiles are serve's --tls-cert and --tls-key: the add-in host's own
// certificate, for addin_server_domain, in place of the local CA's.
type tlsFiles struct{ cert, key string }

func (f *tlsFiles) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.cert, "tls-cert", "", "the add-in host's certificate for addin_server_domain, then its chain (PEM; certbot: fullchain.pem); re-read when it changes")
	cmd.Flags().StringVar(&f.key, "tls-key", "", "the private key of --tls-cert (PEM, RSA or ECDSA, not encrypted; certbot: privkey.pem)")
}

// check says whether the flags go with --listen and --auth: both files
// or neither, and both beyond this machine.
func (f tlsFiles) check(listen, auth string) error {
	if (f.cert == "") != (f.key == "") {
		return errors.New("--tls-cert and --tls-key go together: give the certificate file and its key file, " +
			"or neither for a certificate of the local CA (this machine only)")
	}
	if f.cert != "" {
		return nil
	}
	loopback, err := addinhost.Loopback(listen)
	// A malformed address, and --auth none beyond this machine, are
	// refused by the host with their own advice.
	if err != nil || loopback || auth == addinhost.AuthNone {
		return nil
	}
	return fmt.Errorf("--listen %s reaches beyond this machine: Outlook clients and Conferencing Nodes connect there and must trust "+
		"the host's certificate, and the local CA is for this machine only. Give the certificate for addin_server_domain and its key: "+
		"--tls-cert FILE --tls-key FILE (PEM; certbot: fullchain.pem and privkey.pem)", listen)
}

// open loads the pair, or returns nil when none was given.
func (f tlsFiles) open(log *slog.Logger) (*certfile.Loader, error) {
	if f.cert == "" {
		return nil, nil
	}
	return certfile.Open(f.cert, f.key, certfile.Options{Logger: log})
}

// describeCertificate is one line about the certificate served.
func describeCertificate(leaf *x509.Certificate) string {
	return fmt.Sprintf("%s, expires %s", leaf.Subject.String(), leaf.NotAfter.UTC().Format(time.RFC3339))
}

// warnUncovered says, on stderr and in the log, which integrations'
// addin_server_domain the certificate does not name: Outlook refuses the
// add-in from such a host. It does not stop serve: the names may be on
// their way (a certificate being reissued).
func warnUncovered(ctx context.Context, stderr io.Writer, svc *wire.Services, leaf *x509.Certificate) {
	list, err := svc.Integrations.List(ctx)
	if err != nil {
		return
	}
	var missing []string
	for _, sum := range list {
		in, err := svc.Integrations.Get(ctx, sum.UUID)
		if err != nil {
			continue
		}
		if m := certfile.Missing(leaf, []string{in.AddinServerDomain}); len(m) > 0 {
			missing = append(missing, fmt.Sprintf("%s (%s)", m[0], in.Name))
		}
	}
	if len(missing) == 0 {
		return
	}
	covers := strings.Join(certfile.Names(leaf), ", ")
	if covers == "" {
		covers = "no name (a subject's common name alone counts for nothing)"
	}
	fmt.Fprintf(stderr, "WARNING: the certificate covers %s but not the addin_server_domain of: %s. "+
		"Outlook refuses the add-in from a host whose certificate does not name it: get one that does, or correct addin_server_domain.\n",
		covers, strings.Join(missing, ", "))
	svc.Logger.Warn("the certificate does not cover every addin_server_domain", "covers", certfile.Names(leaf), "missing", missing)
}

// reloadCertificate re-reads the certificate files (SIGHUP) and says on
// out what is served now.
func reloadCertificate(ctx context.Context, out, stderr io.Writer, svc *wire.Services, cert *certfile.Loader) {
	if err := cert.Reload(); err != nil {
		fmt.Fprintf(out, "WARNING: certificate not re-read, %s stays in use: %v\n", describeCertificate(cert.Certificate().Leaf), err)
		return
	}
	leaf := cert.Certificate().Leaf
	fmt.Fprintf(out, "certificate re-read: %s\n", describeCertificate(leaf))
	warnUncovered(ctx, stderr, svc, leaf)
}
