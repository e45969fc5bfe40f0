package wiretest

import (
	"context"
	"testing"

	"vmr-companion/app/wire"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/secrets"
)

// Infinity credentials of the fake Management Node that Infinity starts.
const (
	InfinityUser     = "admin"
	InfinityPassword = "infinity-admin-pw"
	InfinityVersion  = "36.1 (fake)"
)

// Infinity starts a fake Management Node (HTTPS with its test CA, a
// version answer) and connects svc.Infinity to it; seed it with the
// server's Seed* methods.
func Infinity(t testing.TB, svc *wire.Services) *infinitytest.Server {
	t.Helper()
	fake := infinitytest.Start(t, infinitytest.Options{Username: InfinityUser, Password: InfinityPassword, Version: InfinityVersion})
	_, err := svc.Infinity.Connect(context.Background(), infinitysync.ConnectRequest{
		Connection: infinitysync.Connection{URL: fake.URL, Username: InfinityUser, CAFile: fake.CA.File(t)},
		Secret:     secrets.New(InfinityPassword),
	})
	if err != nil {
		t.Fatal(err)
	}
	return fake
}
