package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// redacted is what every printed, marshalled or logged Secret turns into.
const redacted = "[redacted]"

// Secret holds a secret value (password, client secret, refresh token, ...).
// Every way of printing, marshalling or logging it yields "[redacted]"; only
// Reveal returns the value. The zero Secret is empty.
type Secret struct {
	// A *string, because fmt prints a pointer to a string as an address at
	// any depth, even when it reaches the field through reflection (an
	// unexported Secret field of another struct, or a bad verb such as %d
	// on such a struct), where Format and String are not called. Pointers
	// to structs, slices or maps would be dereferenced in those paths.
	v *string
}

// New wraps v as a Secret.
func New(v string) Secret {
	if v == "" {
		return Secret{}
	}
	return Secret{v: &v}
}

// Reveal returns the plaintext value. Call it only where the value is handed
// to the system that needs it (keychain, HTTP auth, ...), never for display.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// String implements fmt.Stringer and always returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer and always returns "[redacted]".
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter so that every verb (%v %+v %#v %s %q %x
// %X %d ...) prints "[redacted]"; width and the '-' flag are honoured so
// that table layouts stay aligned.
func (s Secret) Format(f fmt.State, _ rune) {
	pad := ""
	if w, ok := f.Width(); ok && w > len(redacted) {
		pad = strings.Repeat(" ", w-len(redacted))
	}
	if f.Flag('-') {
		fmt.Fprint(f, redacted, pad)
		return
	}
	fmt.Fprint(f, pad, redacted)
}

// MarshalJSON implements json.Marshaler and always yields "[redacted]", so
// exports and API responses never carry the value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler and always yields "[redacted]".
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer and always yields "[redacted]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// UnmarshalJSON implements json.Unmarshaler so a secret can be read from
// JSON input: it accepts a JSON string or null (the zero Secret). The
// placeholder "[redacted]" is rejected, because accepting it would silently
// store the placeholder as the secret when an export is re-imported.
func (s *Secret) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*s = Secret{}
		return nil
	}
	var v string
	// The input is not echoed in errors: it may well be the secret.
	if err := json.Unmarshal(data, &v); err != nil {
		return errors.New("secrets: a secret must be a JSON string")
	}
	if v == redacted {
		return errors.New("secrets: refusing to read the placeholder " + redacted + " as a secret value")
	}
	*s = New(v)
	return nil
}
