package devcert_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"time"

	"vmr-companion/backend/devcert"
	"vmr-companion/backend/secrets"
)

// The add-in host: load (or make) the CA, trust it, and serve HTTPS with a
// leaf that renews itself. Not run: it would use the real keychain and
// trust stores.
func Example() {
	ctx := context.Background()
	ca, err := devcert.LoadOrCreate(ctx, devcert.Options{
		Dir:  "/home/me/.local/share/vmr-companion",
		Keys: secrets.NewKeychain(secrets.DefaultTimeout),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("CA key in:", ca.KeyLocation())

	statuses, err := devcert.Install(ctx, ca, devcert.TrustOptions{})
	for _, st := range statuses {
		fmt.Printf("%s: installed=%v %s\n", st.Name, st.Installed, st.Detail)
	}
	if err != nil {
		fmt.Println(err)
	}

	loader, err := devcert.NewLoader(ca, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &http.Server{
		Addr:              "127.0.0.1:3443",
		TLSConfig:         &tls.Config{GetCertificate: loader.GetCertificate, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Println(srv.ListenAndServeTLS("", ""))
}
