package addinhost_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestReservationGuards(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	h := startHost(t, e, e.config())
	path := "/api/v1/integrations/" + in.UUID + "/reservations"

	t.Run("a text/plain POST, as another web page could send, is refused", func(t *testing.T) {
		r := h.do(t, http.MethodPost, path, []byte(`{"item_key":"k1"}`), map[string]string{"Content-Type": "text/plain"})
		wantStatus(t, r, http.StatusUnsupportedMediaType)
	})

	t.Run("another user's item key does not hand out their reservation", func(t *testing.T) {
		wantStatus(t, h.reserve(t, in.UUID, "shared-key", "alice@example.com"), http.StatusCreated)
		r := h.reserve(t, in.UUID, "shared-key", "mallory@example.com")
		wantStatus(t, r, http.StatusConflict)
	})
}

// The scheduler reserves an alias for a placeholder meeting under the item
// key "placeholder:<uid>"; a user who took that key first would have the
// scheduler hand their alias to that meeting.
func TestItemKeysInTheSchedulersNamespaceAreRefused(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	h := startHost(t, e, e.config())
	for _, key := range []string{"placeholder:040000008200E00074C5B7101A82E008", "PlaceHolder:uid-1", "  placeholder:uid-2", "PLACEHOLDER:"} {
		t.Run("the item key "+strconv.Quote(key)+" answers 400 saying why", func(t *testing.T) {
			p := wantProblem(t, h.reserve(t, in.UUID, key, "mallory@example.com"), http.StatusBadRequest, typeBadRequest)
			if !strings.Contains(p.Detail, `"placeholder:"`) || p.Fields["item_key"] == "" {
				t.Errorf("problem = %+v", p)
			}
		})
	}
	t.Run("nothing was reserved", func(t *testing.T) {
		if n, err := e.store.Aliases().Count(context.Background(), in.ID); err != nil || n != 0 {
			t.Errorf("%d reservations (%v), want none", n, err)
		}
	})
	t.Run("a key that merely contains the word is fine", func(t *testing.T) {
		wantStatus(t, h.reserve(t, in.UUID, "compose-placeholder:1", "alice@example.com"), http.StatusCreated)
	})
}
