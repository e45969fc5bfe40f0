// Command _schemagen writes the integration schema and defaults as JSON for
// the frontend's in-memory fake (src/test/fakes/fixtures.json). Run from the
// repository root: go run ./frontend/scripts/_schemagen > frontend/src/test/fakes/fixtures.json
// The leading underscore keeps it out of `go build ./...` and `go vet ./...`.
package main

import (
	"encoding/json"
	"os"

	"vmr-companion/backend/integration"
)

func main() {
	out := map[string]any{
		"schema":   integration.Describe(),
		"defaults": integration.Defaults(),
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		os.Exit(1)
	}
}
