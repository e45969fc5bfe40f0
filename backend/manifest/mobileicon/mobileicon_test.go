package mobileicon_test

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"vmr-companion/backend/manifest/mobileicon"
)

var update = flag.Bool("update", false, "rewrite the committed mobile icons")

// assets is where the add-in build copies the icons from.
const assets = "../../../frontend/addin/public/assets"

func TestCommittedIconsAreWhatThePackageDraws(t *testing.T) {
	for _, px := range mobileicon.Pixels {
		want, err := mobileicon.PNG(px)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(assets, mobileicon.File(px))
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./backend/manifest/mobileicon -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what mobileicon draws: run go test ./backend/manifest/mobileicon -update", path)
		}
	}
}

func TestIconsAreGrayOnTransparent(t *testing.T) {
	for _, px := range mobileicon.Pixels {
		b, err := mobileicon.PNG(px)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if s := img.Bounds().Size(); s.X != px || s.Y != px {
			t.Fatalf("%d px icon is %v", px, s)
		}
		drawn := mobileicon.Draw(px)
		opaque, clear := 0, 0
		for y := 0; y < px; y++ {
			for x := 0; x < px; x++ {
				c := drawn.NRGBAAt(x, y)
				switch {
				case c.A == 0:
					clear++
				case c.R != 0x91 || c.G != 0x91 || c.B != 0x91:
					t.Fatalf("%d px: pixel %d,%d is %v, not #919191", px, x, y, c)
				case c.A == 0xff:
					opaque++
				}
			}
		}
		if opaque == 0 || clear == 0 {
			t.Errorf("%d px: %d opaque and %d transparent pixels; want both", px, opaque, clear)
		}
	}
}

func TestPNGRefusesAbsurdSizes(t *testing.T) {
	for _, px := range []int{0, -1, 1025} {
		if _, err := mobileicon.PNG(px); err == nil {
			t.Errorf("PNG(%d) succeeded", px)
		}
	}
}
