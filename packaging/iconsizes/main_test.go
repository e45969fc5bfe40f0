package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePNG(t *testing.T, img image.Image) string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "icon.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSizes(t *testing.T) {
	// A 4×4 icon: left half opaque white, right half transparent.
	src := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for y := range 4 {
		for x := range 2 {
			src.SetNRGBA(x, y, color.NRGBA{255, 255, 255, 255})
		}
	}
	in := writePNG(t, src)

	t.Run("each size halves the one before and keeps the picture", func(t *testing.T) {
		out := t.TempDir()
		if err := run(in, out, []string{"2", "1"}); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join(out, "2x2.png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != 2 || img.Bounds().Dy() != 2 {
			t.Fatalf("size %v", img.Bounds())
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0xffff {
			t.Errorf("the opaque half became alpha %#x", a)
		}
		if _, _, _, a := img.At(1, 0).RGBA(); a != 0 {
			t.Errorf("the transparent half became alpha %#x", a)
		}
		if _, err := os.Stat(filepath.Join(out, "1x1.png")); err != nil {
			t.Error(err)
		}
	})

	for _, tt := range []struct {
		name, in, size, want string
	}{
		{"a size that is not the icon halved is refused", in, "3", "halved"},
		{"a size larger than the icon is refused", in, "8", "smaller than"},
		{"a size that is not a number is refused", in, "big", "positive number"},
		{"a non-square icon is refused", writePNG(t, image.NewNRGBA(image.Rect(0, 0, 4, 2))), "2", "square"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.in, t.TempDir(), []string{tt.size})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want one saying %q", err, tt.want)
			}
		})
	}
}
