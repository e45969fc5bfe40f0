package manifest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"strings"
	"testing"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/manifest/mobileicon"
)

// rMobile reads the MobileFormFactor of a VersionOverrides.
type rMobile struct {
	XMLName xml.Name
	Type    string `xml:"type,attr"`
	Host    struct {
		Mobile *struct {
			FunctionFile rResRef `xml:"FunctionFile"`
			Points       []struct {
				Type     string `xml:"type,attr"`
				Controls []struct {
					Type  string  `xml:"type,attr"`
					ID    string  `xml:"id,attr"`
					Label rResRef `xml:"Label"`
					Icons []struct {
						Size  int    `xml:"size,attr"`
						Scale int    `xml:"scale,attr"`
						ResID string `xml:"resid,attr"`
					} `xml:"Icon>Image"`
					Action struct {
						Type     string `xml:"type,attr"`
						Function string `xml:"FunctionName"`
					} `xml:"Action"`
				} `xml:"Control"`
			} `xml:"ExtensionPoint"`
		} `xml:"MobileFormFactor"`
	} `xml:"Hosts>Host"`
	Images       []rResource `xml:"Resources>Images>Image"`
	URLs         []rResource `xml:"Resources>Urls>Url"`
	ShortStrings []rResource `xml:"Resources>ShortStrings>String"`
	Inner        *rMobile    `xml:"VersionOverrides"`
}

func (o *rMobile) resource(id string) string {
	for _, list := range [][]rResource{o.Images, o.URLs, o.ShortStrings} {
		for _, r := range list {
			if r.ID == id {
				return r.V
			}
		}
	}
	return ""
}

func readMobile(t *testing.T, doc []byte) (outer, inner *rMobile) {
	t.Helper()
	var app struct {
		Overrides rMobile `xml:"VersionOverrides"`
	}
	if err := xml.Unmarshal(doc, &app); err != nil {
		t.Fatal(err)
	}
	if app.Overrides.Inner == nil {
		t.Fatal("no VersionOverrides 1.1")
	}
	return &app.Overrides, app.Overrides.Inner
}

func TestXMLMobileOnlineMeetingProvider(t *testing.T) {
	t.Run("is on by default: one button in the 1.1 overrides runs the function of the function file", func(t *testing.T) {
		doc, _ := generate(t, prodParams())
		outer, inner := readMobile(t, doc)
		if outer.Host.Mobile != nil {
			t.Error("MobileFormFactor in VersionOverrides 1.0, whose schema has no MobileOnlineMeetingCommandSurface")
		}
		m := inner.Host.Mobile
		if m == nil {
			t.Fatalf("no MobileFormFactor in VersionOverrides 1.1:\n%s", doc)
		}
		if got, want := inner.resource(m.FunctionFile.ResID), "https://addins.example.com/addin/commands.html?integration="+testUUID; got != want {
			t.Errorf("FunctionFile = %q, want %q", got, want)
		}
		if len(m.Points) != 1 || m.Points[0].Type != "MobileOnlineMeetingCommandSurface" || len(m.Points[0].Controls) != 1 {
			t.Fatalf("want one MobileOnlineMeetingCommandSurface with one control, got %+v", m.Points)
		}
		c := m.Points[0].Controls[0]
		checks := []struct{ what, got, want string }{
			{"control", c.Type + " " + c.ID, "MobileButton vmrc-mobile-button-" + testAddinID},
			{"label", inner.resource(c.Label.ResID), "Add a VMR"},
			{"action", c.Action.Type + " " + c.Action.Function, "ExecuteFunction " + MobileFunctionName},
		}
		var icons, want []string
		for _, ic := range c.Icons {
			icons = append(icons, fmt.Sprintf("%d@%d=%s", ic.Size, ic.Scale, inner.resource(ic.ResID)))
		}
		for _, size := range []int{25, 32, 48} {
			for scale := 1; scale <= 3; scale++ {
				want = append(want, fmt.Sprintf("%d@%d=https://addins.example.com/addin/assets/mobile-icon-%d.png", size, scale, size*scale))
			}
		}
		checks = append(checks, struct{ what, got, want string }{"icons", strings.Join(icons, " "), strings.Join(want, " ")})
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
			}
		}
	})

	t.Run("is left out when enable_mobile_online_meeting is off, and the rest is as before", func(t *testing.T) {
		off := with(prodParams(), func(in *integration.Integration) { in.EnableMobileOnlineMeeting = false })
		doc, _ := generate(t, off)
		_, inner := readMobile(t, doc)
		if inner.Host.Mobile != nil {
			t.Errorf("MobileFormFactor with the setting off:\n%s", doc)
		}
		for _, bad := range []string{"MobileFormFactor", "mobile-icon", resMobileCommandsURL} {
			if bytes.Contains(doc, []byte(bad)) {
				t.Errorf("the manifest still mentions %s", bad)
			}
		}
		on, _ := generate(t, prodParams())
		if Fingerprint(off) == Fingerprint(prodParams()) || bytes.Equal(doc, on) {
			t.Error("the setting does not change the manifest or its fingerprint")
		}
	})

	t.Run("leaves the unified JSON manifest alone: Outlook on phones reads only the XML one", func(t *testing.T) {
		off := with(prodParams(), func(in *integration.Integration) { in.EnableMobileOnlineMeeting = false })
		_, jsonOn := generate(t, prodParams())
		_, jsonOff := generate(t, off)
		if !bytes.Equal(jsonOn, jsonOff) {
			t.Error("the JSON manifest depends on enable_mobile_online_meeting")
		}
	})

	t.Run("names a function the function file registers, and icons the add-in build ships", func(t *testing.T) {
		src, err := os.ReadFile("../../frontend/src/addin/mobile.ts")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(src, []byte("FUNCTION_NAME = '"+MobileFunctionName+"'")) {
			t.Errorf("frontend/src/addin/mobile.ts does not name %q", MobileFunctionName)
		}
		for _, px := range mobileicon.Pixels {
			if _, err := os.Stat("../../frontend/addin/public/assets/" + mobileicon.File(px)); err != nil {
				t.Error(err)
			}
		}
	})
}
