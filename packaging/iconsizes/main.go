// Command iconsizes writes the hicolor icon sizes of the Linux desktop
// package from build/appicon.png: each size halves the one before (box
// filter on premultiplied colour), so the output depends on nothing but the
// input, unlike an image tool whose version and metadata would change the
// package from build to build.
//
//	go run ./packaging/iconsizes -in build/appicon.png -out build/icons 512 256
//
// writes build/icons/512x512.png and build/icons/256x256.png.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"

	"vmr-companion/backend/atomicfile"
)

func main() {
	in := flag.String("in", "build/appicon.png", "square PNG, a power-of-two multiple of every size")
	out := flag.String("out", "build/icons", "folder for SIZExSIZE.png")
	flag.Parse()
	if err := run(*in, *out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "iconsizes:", err)
		os.Exit(1)
	}
}

func run(in, out string, sizes []string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	b := src.Bounds()
	if b.Dx() != b.Dy() {
		return fmt.Errorf("%s is %dx%d: an icon must be square", in, b.Dx(), b.Dy())
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, s := range sizes {
		size, err := strconv.Atoi(s)
		if err != nil || size < 1 {
			return fmt.Errorf("size %q is not a positive number of pixels", s)
		}
		img := src
		for img.Bounds().Dx() > size {
			if img.Bounds().Dx()%2 != 0 || img.Bounds().Dx()/2 < size {
				return fmt.Errorf("%d px is not %s halved a whole number of times (%d px)", size, in, b.Dx())
			}
			img = halve(img)
		}
		if img.Bounds().Dx() != size {
			return fmt.Errorf("%s (%d px) is smaller than %d px", in, b.Dx(), size)
		}
		name := filepath.Join(out, fmt.Sprintf("%dx%d.png", size, size))
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return err
		}
		if err := atomicfile.Write(name, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// halve averages each 2×2 block of src into one pixel.
func halve(src image.Image) image.Image {
	b := src.Bounds()
	dst := image.NewRGBA64(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
	for y := 0; y < b.Dy()/2; y++ {
		for x := 0; x < b.Dx()/2; x++ {
			var r, g, bl, a uint32
			for _, p := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				pr, pg, pb, pa := src.At(b.Min.X+2*x+p[0], b.Min.Y+2*y+p[1]).RGBA()
				r, g, bl, a = r+pr, g+pg, bl+pb, a+pa
			}
			dst.SetRGBA64(x, y, color.RGBA64{R: uint16(r / 4), G: uint16(g / 4), B: uint16(bl / 4), A: uint16(a / 4)})
		}
	}
	return dst
}
