package manifest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"vmr-companion/backend/integration"
)

// The example manifests under manifests/ are generated from these
// integrations; this test keeps them in step with the generator. Run
// `UPDATE_MANIFESTS=1 go test ./backend/manifest/ -run TestExampleManifests`
// after changing the generator on purpose.
func exampleIntegrations() map[string]*integration.Integration {
	contoso := integration.Defaults()
	contoso.UUID = "3f6c2a1e-5b7d-4c8e-9a0f-1b2c3d4e5f60"
	contoso.Name = "Contoso"
	contoso.URL = "https://mail.contoso.com/EWS/Exchange.asmx"
	contoso.RoomMailboxEmailAddress = ptr("vmr@contoso.com")
	contoso.AddinServerDomain = "addins.contoso.com"
	contoso.ScheduledAliasPrefix = ptr("meet")
	contoso.ScheduledAliasDomain = "vc.contoso.com"

	fabrikam := integration.Defaults()
	fabrikam.UUID = "8a1d9e2b-7c4f-4b6a-8e3d-2f1a0b9c8d7e"
	fabrikam.Name = "Fabrikam"
	fabrikam.EnableDynamicVMRs = false
	fabrikam.EnablePersonalVMRs = true
	fabrikam.AddinServerDomain = "vmr.fabrikam.example"
	fabrikam.AddinDisplayName = "Fabrikam Video"
	fabrikam.AddinButtonLabel = "My video room"
	fabrikam.AddinAuthenticationMethod = integration.AddinAuthSSOToken
	fabrikam.AddinApplicationID = ptr("0b7f3c2a-6d1e-4f9a-8c5b-3e2d1f0a9b8c")
	return map[string]*integration.Integration{"contoso": contoso, "fabrikam": fabrikam}
}

func TestExampleManifests(t *testing.T) {
	dir := filepath.Join("..", "..", "manifests")
	update := os.Getenv("UPDATE_MANIFESTS") == "1"
	for name, in := range exampleIntegrations() {
		prod := Params{AddinID: "5d0e7a4c-1b2f-4e3d-9c8b-7a6f5e4d3c2b", Version: "1.0.0", BaseURL: "https://" + in.AddinServerDomain, Integration: in}
		dev := prod
		dev.AddinID, dev.Dev, dev.BaseURL = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", true, "https://127.0.0.1:3443"
		for file, make := range map[string]func() ([]byte, error){
			name + ".xml":     func() ([]byte, error) { return XML(prod) },
			name + ".json":    func() ([]byte, error) { return JSON(prod) },
			name + ".dev.xml": func() ([]byte, error) { return XML(dev) },
		} {
			t.Run("manifests/"+file+" matches the generator", func(t *testing.T) {
				got, err := make()
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(dir, file)
				if update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (regenerate with UPDATE_MANIFESTS=1)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s is out of date: regenerate with UPDATE_MANIFESTS=1 go test ./backend/manifest/ -run TestExampleManifests", path)
				}
			})
		}
	}
}
