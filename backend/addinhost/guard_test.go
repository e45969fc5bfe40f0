package addinhost_test

import (
	"net/http"
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
