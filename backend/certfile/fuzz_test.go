package certfile_test

import (
	"crypto"
	"testing"
	"time"

	"vmr-companion/backend/certfile"
	"vmr-companion/backend/testtls"
)

// FuzzParse feeds hostile certificate and key files to Parse: it must
// neither panic nor take a pair whose key is not the certificate's.
// (Load bounds each file to MaxFileSize before Parse sees it.)
func FuzzParse(f *testing.F) {
	ca := testtls.NewCA(f, "Fuzz CA")
	good := ca.Valid(f, "vmr.example.com")
	other := ca.Valid(f, "vmr.example.com")
	f.Add(pemCerts(withChain(good, ca)), pemKey(f, good))
	f.Add(pemCerts(good), pemKey(f, other))
	f.Add(good.Certificate[0], pemKey(f, good))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte{}, []byte{})
	now := time.Now()
	f.Fuzz(func(t *testing.T, certPEM, keyPEM []byte) {
		c, err := certfile.Parse(certPEM, keyPEM, now)
		if err != nil {
			return
		}
		pub, ok := c.Leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(c.PrivateKey.(crypto.Signer).Public()) || len(c.Certificate) == 0 {
			t.Fatal("a pair whose key is not the certificate's was taken")
		}
	})
}
