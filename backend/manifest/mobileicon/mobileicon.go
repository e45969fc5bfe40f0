// Package mobileicon draws the button icon of the online-meeting provider on
// Outlook for iOS and Android: the camera of the add-in's own icon (the
// pane's logo) as a grayscale #919191 silhouette on a transparent
// background, which is what Microsoft asks of that button. The PNGs are
// committed under frontend/addin/public/assets/ and a test keeps them equal
// to what this package draws (go test ./backend/manifest/mobileicon -update).
package mobileicon

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

// Gray is the colour Microsoft prescribes for the mobile button's icon.
var Gray = color.NRGBA{R: 0x91, G: 0x91, B: 0x91, A: 0xff}

// Pixels are the image sizes the manifest refers to: 25, 32 and 48 points
// at scales 1 to 3 (96 is both 32×3 and 48×2).
var Pixels = []int{25, 32, 48, 50, 64, 75, 96, 144}

// File is the icon's file name under the add-in's assets.
func File(px int) string { return fmt.Sprintf("mobile-icon-%d.png", px) }

// samples per pixel side: 8×8 supersampling gives smooth edges without a
// rasteriser library.
const samples = 8

// inside reports whether a point of the 32×32 design grid is on the camera:
// the body (x 6–20, y 10–22, corner radius 3) or the lens (the triangle
// 21,14 → 26,11 → 26,21 → 21,18, a trapezoid), as in Pane.svelte's logo.
func inside(x, y float64) bool {
	if x >= 6 && x <= 20 && y >= 10 && y <= 22 {
		// Rounded corners: outside the quarter circles at the four corners.
		const r = 3.0
		cx, cy := x, y
		switch {
		case x < 6+r:
			cx = 6 + r
		case x > 20-r:
			cx = 20 - r
		}
		switch {
		case y < 10+r:
			cy = 10 + r
		case y > 22-r:
			cy = 22 - r
		}
		dx, dy := x-cx, y-cy
		return dx*dx+dy*dy <= r*r
	}
	if x >= 21 && x <= 26 {
		t := (x - 21) / 5 // 0 at the body, 1 at the far edge
		top := 14 - 3*t
		bottom := 18 + 3*t
		return y >= top && y <= bottom
	}
	return false
}

// Draw renders the icon at px×px pixels.
func Draw(px int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, px, px))
	scale := 32.0 / float64(px)
	for py := 0; py < px; py++ {
		for pxl := 0; pxl < px; pxl++ {
			hits := 0
			for sy := 0; sy < samples; sy++ {
				for sx := 0; sx < samples; sx++ {
					x := (float64(pxl) + (float64(sx)+0.5)/samples) * scale
					y := (float64(py) + (float64(sy)+0.5)/samples) * scale
					if inside(x, y) {
						hits++
					}
				}
			}
			if hits == 0 {
				continue
			}
			c := Gray
			c.A = uint8((hits*255 + samples*samples/2) / (samples * samples))
			img.SetNRGBA(pxl, py, c)
		}
	}
	return img
}

// PNG is the icon at px×px as PNG bytes; the same px gives the same bytes.
func PNG(px int) ([]byte, error) {
	if px < 1 || px > 1024 {
		return nil, fmt.Errorf("mobileicon: size %d is not between 1 and 1024 pixels", px)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, Draw(px)); err != nil {
		return nil, fmt.Errorf("mobileicon: encoding %d px: %w", px, err)
	}
	return buf.Bytes(), nil
}
