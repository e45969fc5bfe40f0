package infinitytest_test

import (
	"bytes"
	"context"
	"testing"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/secrets"
)

// A fake saved and loaded again answers with the same objects and ids,
// and numbers the next object after them.
func TestSaveAndLoadKeepObjectsAndIDs(t *testing.T) {
	ctx := context.Background()
	first := infinitytest.Start(t, infinitytest.Options{Username: "admin", Password: "pw"})
	c := client(t, first)
	id, err := c.CreateConference(ctx, infinity.Conference{Conference: conference.Conference{Name: "Kari's room", PrimaryOwnerEmailAddress: "kari@example.com"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateConferenceAlias(ctx, id, "kari@vc.example.com", ""); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := first.Save(&buf); err != nil {
		t.Fatal(err)
	}

	second := infinitytest.Start(t, infinitytest.Options{Username: "admin", Password: "pw"})
	if err := second.Load(&buf); err != nil {
		t.Fatal(err)
	}
	c2 := client(t, second)
	got, err := c2.GetConference(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Conference.Name != "Kari's room" || len(got.Conference.Aliases) != 1 || got.Conference.Aliases[0].Alias != "kari@vc.example.com" {
		t.Fatalf("loaded %+v", got)
	}
	next, err := c2.CreateConference(ctx, infinity.Conference{Conference: conference.Conference{Name: "Ola's room"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if next != id+1 {
		t.Fatalf("next id %d after %d", next, id)
	}
}

func TestLoadRefusesUnknownResources(t *testing.T) {
	s := infinitytest.New(infinitytest.Options{})
	if err := s.Load(bytes.NewReader([]byte(`{"data":{"worker_vm":{}}}`))); err == nil {
		t.Fatal("loaded a resource the fake does not know")
	}
	if err := s.Load(bytes.NewReader([]byte(`{`))); err == nil {
		t.Fatal("loaded broken JSON")
	}
}

func client(t *testing.T, s *infinitytest.Server) *infinity.Client {
	t.Helper()
	c, err := infinity.New(infinity.Config{BaseURL: s.URL, Username: "admin", Password: secrets.New("pw"), RootCAs: s.CA.Pool})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
