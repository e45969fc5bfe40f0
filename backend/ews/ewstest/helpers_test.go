package ewstest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http/httptest"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

const room = "vmr-room@contoso.example"

var (
	dan       = ews.Mailbox{Name: "Dan Park", Email: "dpark@contoso.example"}
	assistant = ews.Mailbox{Name: "Ann Assistant", Email: "ann@contoso.example"}
	alice     = ews.Mailbox{Name: "Alice, Team Lead", Email: "alice@contoso.example"}
)

// fake starts s on a real TLS listener on 127.0.0.1 and returns a client
// for the room mailbox that trusts the server's certificate (and nothing
// else), with sleeps recorded instead of waited.
func fake(t testing.TB, s *ewstest.Server) (*ews.Client, *[]time.Duration, *httptest.Server) {
	t.Helper()
	ts := httptest.NewTLSServer(s)
	t.Cleanup(ts.Close)
	var slept []time.Duration
	c, err := ews.New(ews.Config{
		URL:        ts.URL + "/EWS/Exchange.asmx",
		HTTPClient: ts.Client(),
		Mailbox:    room,
		Sleep: func(ctx context.Context, d time.Duration) error {
			slept = append(slept, d)
			return ctx.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, &slept, ts
}

// syncAll syncs folder until the last item, returning all changes and the state.
func syncAll(t *testing.T, c *ews.Client, folder ews.FolderName, state string) ([]ews.Change, string) {
	t.Helper()
	var all []ews.Change
	for range 10000 {
		r, err := c.SyncFolderItems(context.Background(), folder, state, 512)
		if err != nil {
			t.Fatalf("sync %s: %v", folder, err)
		}
		all, state = append(all, r.Changes...), r.SyncState
		if r.IncludesLastItem {
			return all, state
		}
	}
	t.Fatal("sync never reached the last item")
	return nil, ""
}

func getOne(t *testing.T, c *ews.Client, id ews.ItemID) *ews.Item {
	t.Helper()
	res, err := c.GetItems(context.Background(), []ews.ItemID{id})
	if err != nil {
		t.Fatalf("GetItems: %v", err)
	}
	if len(res) != 1 || res[0].Err != nil {
		t.Fatalf("GetItems: %+v", res)
	}
	return res[0].Item
}

func base64Decode(dst, src []byte) (int, error) {
	clean := bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, src)
	return base64.StdEncoding.Decode(dst, clean)
}
