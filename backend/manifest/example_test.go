package manifest_test

import (
	"bytes"
	"fmt"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/manifest"
)

// A caller keeps the add-in id, the version and the last fingerprint per
// integration, and bumps the version when the fingerprint moves.
func ExampleFingerprint() {
	in := integration.Defaults()
	in.UUID = "2b7c2f7e-1111-4222-8333-444455556666"
	in.AddinServerDomain = "addins.example.com"
	p := manifest.Params{
		AddinID:     "0f3b8c52-7d4e-4b8a-9d0e-2a6c1f5e9b21",
		Version:     "1.0.0",
		BaseURL:     "https://" + in.AddinServerDomain,
		Integration: in,
	}
	stored := manifest.Fingerprint(p)

	in.AddinButtonLabel = "Add a video room"
	if fp := manifest.Fingerprint(p); fp != stored {
		p.Version = "1.0.1"
		stored = fp
	}
	xml, err := manifest.XML(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bytes.Contains(xml, []byte("<Version>1.0.1</Version>")))
	fmt.Println(bytes.Contains(xml, []byte(`DefaultValue="Add a video room"`)))
	fmt.Println(manifest.Fingerprint(p) == stored)
	// Output:
	// true
	// true
	// true
}
