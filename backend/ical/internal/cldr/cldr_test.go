package cldr

import (
	"strings"
	"testing"
)

func TestWindowsZonesGoRefusesWhatItCannotVouchFor(t *testing.T) {
	for name, tt := range map[string]struct{ in, want string }{
		"not JSON":          {`<supplementalData/>`, "windowsZones.json"},
		"no release":        {`{"supplemental":{"windowsZones":{"mapTimezones":[]}}}`, "names no CLDR release"},
		"another release":   {`{"supplemental":{"version":{"_cldrVersion":"41"}}}`, "but Package says"},
		"no default zones":  {`{"supplemental":{"version":{"_cldrVersion":"48"},"windowsZones":{"mapTimezones":[{"mapZone":{"_other":"UTC","_type":"Etc/UTC","_territory":"ZZ"}}]}}}`, "no territory 001"},
		"two default zones": {`{"supplemental":{"version":{"_cldrVersion":"48"},"windowsZones":{"mapTimezones":[{"mapZone":{"_other":"UTC","_type":"Etc/UTC Etc/GMT","_territory":"001"}}]}}}`, "unexpected"},
	} {
		if _, err := WindowsZonesGo([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one saying %q", name, err, tt.want)
		}
	}
}

func TestWindowsZonesGoSortsByZone(t *testing.T) {
	src, err := WindowsZonesGo([]byte(`{"supplemental":{"version":{"_cldrVersion":"48"},"windowsZones":{"mapTimezones":[
		{"mapZone":{"_other":"W. Europe Standard Time","_type":"Europe/Berlin","_territory":"001"}},
		{"mapZone":{"_other":"W. Europe Standard Time","_type":"Europe/Zurich","_territory":"CH"}},
		{"mapZone":{"_other":"Alaskan Standard Time","_type":"America/Anchorage","_territory":"001"}}]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	a, b := strings.Index(s, `"Alaskan Standard Time"`), strings.Index(s, `"W. Europe Standard Time"`)
	if a < 0 || b < a || strings.Contains(s, "Zurich") || !strings.Contains(s, `const CLDRRelease = "48"`) {
		t.Errorf("%s", s)
	}
}
