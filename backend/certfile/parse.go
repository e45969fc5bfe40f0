package certfile

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
)

// MaxFileSize bounds each file read: a chain of a few certificates or a
// key is a few KiB, and a wrong path (a log, a device) must not be read
// into memory whole.
const MaxFileSize = 1 << 20

// maxChain bounds the certificates taken from the certificate file: a
// server's chain is the leaf and one to three intermediates.
const maxChain = 10

// ErrMismatch is a key that is not the certificate's: most often a renewal
// half written (the certificate replaced, the key not yet).
var ErrMismatch = errors.New("certfile: the private key does not belong to the certificate")

// ErrValidity is a certificate expired or not yet valid.
var ErrValidity = errors.New("certfile: the certificate is not valid now")

// Parse reads a certificate chain (PEM, the server's certificate first)
// and its private key (PEM: PKCS#1, PKCS#8 or SEC1; RSA or ECDSA) and
// checks that the key is the certificate's, that the certificate is valid
// at now and that it may serve TLS. Errors never quote the key.
func Parse(certPEM, keyPEM []byte, now time.Time) (*tls.Certificate, error) {
	chain, err := parseChain(certPEM)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, fmt.Errorf("certfile: the first certificate cannot be read: %w", err)
	}
	for i, der := range chain[1:] {
		if _, err := x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("certfile: certificate %d of the chain cannot be read: %w", i+2, err)
		}
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return nil, fmt.Errorf("%w (%s): a renewal may be half written (the certificate replaced, the key not yet), "+
			"or the certificate file does not start with the server's own certificate (certbot: fullchain.pem)", ErrMismatch, Describe(leaf))
	}
	if err := checkValid(leaf, now); err != nil {
		return nil, err
	}
	if err := checkServerUse(leaf); err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

// parseChain takes the CERTIFICATE blocks of a PEM file, in order; other
// blocks (a key in a combined file, parameters) are skipped.
func parseChain(data []byte) ([][]byte, error) {
	var chain [][]byte
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if len(chain) == maxChain {
			return nil, fmt.Errorf("certfile: more than %d certificates in the certificate file: give the server's certificate and its chain only", maxChain)
		}
		chain = append(chain, b.Bytes)
	}
	if len(chain) == 0 {
		return nil, errors.New("certfile: no certificate in the certificate file: give the chain in PEM (-----BEGIN CERTIFICATE-----), " +
			"the server's certificate first (certbot: fullchain.pem; a DER file converts with: openssl x509 -inform der -in FILE -out FILE.pem)")
	}
	return chain, nil
}

// parseKey takes the first private key of a PEM file.
func parseKey(data []byte) (crypto.Signer, error) {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		var key any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY", "EC PRIVATE KEY":
			// RFC 1421 encryption, as `openssl genrsa -aes256` wrote it.
			if strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
				return nil, errEncrypted
			}
			if b.Type == "RSA PRIVATE KEY" {
				key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
			} else {
				key, err = x509.ParseECPrivateKey(b.Bytes)
			}
		case "ENCRYPTED PRIVATE KEY":
			return nil, errEncrypted
		default:
			continue // EC PARAMETERS before the key, a certificate in a combined file
		}
		if err != nil {
			return nil, fmt.Errorf("certfile: the %s in the key file cannot be read: %w", b.Type, err)
		}
		switch k := key.(type) {
		case *rsa.PrivateKey:
			return k, nil
		case *ecdsa.PrivateKey:
			return k, nil
		case ed25519.PrivateKey:
			return nil, errors.New("certfile: the key is Ed25519, which Outlook on Windows cannot use: ask for an RSA or ECDSA certificate")
		default:
			return nil, fmt.Errorf("certfile: the key is a %T: give an RSA or ECDSA key", key)
		}
	}
	return nil, errors.New("certfile: no private key in the key file: give it in PEM " +
		"(-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY; certbot: privkey.pem)")
}

var errEncrypted = errors.New("certfile: the private key is encrypted with a passphrase, which serve cannot type: " +
	"store it decrypted, readable by the service's user only (openssl pkey -in KEY -out KEY.plain; chmod 600)")

func checkValid(leaf *x509.Certificate, now time.Time) error {
	if now.Before(leaf.NotBefore) {
		return fmt.Errorf("%w: %s is valid from %s only (is this machine's clock right?)",
			ErrValidity, Describe(leaf), leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	if !now.Before(leaf.NotAfter) {
		return fmt.Errorf("%w: %s expired at %s: renew it (certbot renew), then send serve SIGHUP",
			ErrValidity, Describe(leaf), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkServerUse refuses a certificate its usages keep from a TLS server.
// An extended key usage list, when present, must name serverAuth; a key
// usage, when present, must allow signing, which every TLS 1.3 handshake
// does.
func checkServerUse(leaf *x509.Certificate) error {
	if len(leaf.ExtKeyUsage) > 0 || len(leaf.UnknownExtKeyUsage) > 0 {
		if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageAny) {
			return fmt.Errorf("certfile: %s is not for TLS servers (its extended key usage lacks serverAuth): ask for a server certificate", Describe(leaf))
		}
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return fmt.Errorf("certfile: %s may not sign (its key usage lacks digitalSignature), which TLS needs: ask for a server certificate", Describe(leaf))
	}
	return nil
}

// Describe names a certificate for people: its subject and expiry.
func Describe(leaf *x509.Certificate) string {
	name := leaf.Subject.CommonName
	if name == "" && len(leaf.DNSNames) > 0 {
		name = leaf.DNSNames[0]
	}
	if name == "" {
		name = leaf.Subject.String()
	}
	return fmt.Sprintf("the certificate %q (expires %s)", name, leaf.NotAfter.UTC().Format(time.RFC3339))
}

// openError says what went wrong reaching a file, and for a permission
// what to do: certbot keeps its keys root's alone.
func openError(what string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("certfile: the %s file: %w: the service's user must be able to read it (copy it with that user's group in a renewal hook, or hand it over with systemd's LoadCredential=; see docs/server.md)", what, err)
	}
	return fmt.Errorf("certfile: the %s file: %w", what, err)
}

// readFile reads at most MaxFileSize bytes of a regular file (following
// symbolic links, as certbot's live/ folder is made of them); a FIFO or a
// device is refused before it is opened, since opening a FIFO blocks.
func readFile(what, path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, openError(what, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("certfile: the %s file %s is not a regular file", what, path)
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("certfile: the %s file %s is larger than %d KiB: not a %s file", what, path, MaxFileSize>>10, what)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(what, err)
	}
	defer f.Close()
	// Bounded again: the file may grow between Stat and the read.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("certfile: reading the %s file %s: %w", what, path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("certfile: the %s file %s is larger than %d KiB: not a %s file", what, path, MaxFileSize>>10, what)
	}
	return data, nil
}

// Load reads and checks a certificate file and its key file (see Parse).
func Load(certFile, keyFile string, now time.Time) (*tls.Certificate, error) {
	certPEM, err := readFile("certificate", certFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := readFile("key", keyFile)
	if err != nil {
		return nil, err
	}
	cert, err := Parse(certPEM, keyPEM, now)
	if err != nil {
		return nil, fmt.Errorf("%w (certificate %s, key %s)", err, certFile, keyFile)
	}
	return cert, nil
}
