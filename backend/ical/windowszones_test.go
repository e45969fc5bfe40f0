package ical

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"vmr-companion/backend/ical/internal/cldr"
)

// The Windows zone table is CLDR 48's, from the npm package cldr-core
// 48.2.0 (internal/cldr/windowsZones.json), and windowszones.go is what the
// generator writes from that copy: nobody edited the table by hand, and a
// changed input was regenerated.
func TestWindowsZonesAreTheCheckedInCLDRRelease(t *testing.T) {
	if CLDRRelease == "" || CLDRSource != "npm "+cldr.Package {
		t.Fatalf("CLDRRelease %q, CLDRSource %q: windowszones.go does not say where its table came from", CLDRRelease, CLDRSource)
	}
	data, err := os.ReadFile(filepath.Join("internal", "cldr", cldr.InputFile))
	if err != nil {
		t.Fatal(err)
	}
	want, err := cldr.WindowsZonesGo(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("windowszones.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("windowszones.go is not the generator's output for internal/cldr/%s (CLDR %s): run go generate ./backend/ical", cldr.InputFile, CLDRRelease)
	}
	t.Logf("Windows zones: CLDR %s, %s, %d names", CLDRRelease, CLDRSource, len(windowsZoneNames))
}
