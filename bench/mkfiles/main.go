// Command mkfiles writes the task pane file set of the add-in host
// benchmark, the same set the peer figures used: taskpane.html (2.4 KiB),
// taskpane.js (148 KiB of an Office.js bundle), taskpane.css (20 KiB) and
// icons of 16, 32 and 80 px. The JavaScript is the first 148 KiB of -js (a
// file of @microsoft/office-js), or generated script text when -js is not
// given; the rest is generated, the same on every run.
//
//	mkfiles -out site/addin -js node_modules/@microsoft/office-js/dist/outlook-web-16.01.js
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

const (
	htmlSize = 2458   // 2.4 KiB
	jsSize   = 151552 // 148 KiB
	cssSize  = 20480  // 20 KiB
)

func main() {
	var out, js string
	flag.StringVar(&out, "out", "", "folder to write the files to (made if missing)")
	flag.StringVar(&js, "js", "", "JavaScript file to take taskpane.js from (generated when empty)")
	flag.Parse()
	if err := run(out, js); err != nil {
		fmt.Fprintln(os.Stderr, "mkfiles:", err)
		os.Exit(1)
	}
}

func run(out, jsSource string) error {
	if out == "" {
		return errors.New("-out is required")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	js, err := script(jsSource, rng)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"taskpane.html": page(),
		"taskpane.js":   js,
		"taskpane.css":  styles(rng),
	}
	for _, px := range []int{16, 32, 80} {
		files[fmt.Sprintf("icon-%d.png", px)] = icon(px)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
		fmt.Printf("%-14s %7d bytes\n", name, len(data))
	}
	return nil
}

func script(source string, rng *rand.Rand) ([]byte, error) {
	if source != "" {
		data, err := os.ReadFile(source)
		if err != nil {
			return nil, err
		}
		if len(data) < jsSize {
			return nil, fmt.Errorf("%s has %d bytes, fewer than %d", source, len(data), jsSize)
		}
		return data[:jsSize], nil
	}
	// Minified-looking script: short names, numbers and strings.
	words := []string{"Office", "context", "mailbox", "item", "body", "setAsync", "getAsync", "coercionType",
		"asyncResult", "status", "value", "error", "location", "requiredAttendees", "subject", "callback",
		"prototype", "function", "return", "typeof", "undefined", "length", "push", "call", "apply"}
	var b bytes.Buffer
	for b.Len() < jsSize {
		fmt.Fprintf(&b, "var %c%d=function(%c,%c){return %c.%s(%q,%d)||%c.%s&&%c[%d]};",
			'a'+rng.IntN(26), rng.IntN(999), 'a'+rng.IntN(26), 'a'+rng.IntN(26), 'a'+rng.IntN(26),
			words[rng.IntN(len(words))], words[rng.IntN(len(words))]+fmt.Sprint(rng.IntN(99)), rng.IntN(1<<16),
			'a'+rng.IntN(26), words[rng.IntN(len(words))], 'a'+rng.IntN(26), rng.IntN(64))
	}
	return b.Bytes()[:jsSize], nil
}

func page() []byte {
	head := `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=Edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Video meeting</title>
<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"></script>
<link rel="icon" type="image/png" href="icon-16.png">
<link rel="stylesheet" href="taskpane.css">
<script defer src="taskpane.js"></script>
</head>
<body class="ms-font-m ms-Fabric">
<header class="pane-header"><img src="icon-80.png" width="40" height="40" alt=""><h1 class="ms-font-xl">Video meeting</h1></header>
<main id="app" class="pane-main" aria-live="polite">
<p class="pane-description">Give this meeting its own virtual meeting room, or use your personal one.</p>
<section class="pane-section" id="single-use">
<h2 class="ms-font-l">Single-use room</h2>
<button type="button" class="ms-Button ms-Button--primary" id="reserve"><span class="ms-Button-label">Add a meeting room</span></button>
<p class="pane-status" id="status" role="status"></p>
</section>
<section class="pane-section" id="personal" hidden>
<h2 class="ms-font-l">Your rooms</h2>
<ul class="pane-list" id="personal-list"></ul>
</section>
<div class="pane-error" id="error" role="alert" hidden></div>
</main>
<footer class="pane-footer"><a href="support.html" target="_blank" rel="noopener">Help</a> · <a href="privacy.html" target="_blank" rel="noopener">Privacy</a></footer>
`
	tail := "</body>\n</html>\n"
	target := htmlSize - len(tail) - len("-->\n")
	var b strings.Builder
	b.WriteString(head)
	// Templates the script fills in, then a comment, up to the size of
	// the peers' page.
	for i := 0; ; i++ {
		row := fmt.Sprintf("<template id=\"row-%d\"><li class=\"pane-item\"><span class=\"pane-item-name\"></span><button type=\"button\" class=\"ms-Button\">Use</button></li></template>\n", i)
		if b.Len()+len(row)+len("<!--") > target {
			break
		}
		b.WriteString(row)
	}
	b.WriteString("<!--")
	for b.Len()+len(" vmr") <= target {
		b.WriteString(" vmr")
	}
	b.WriteString(strings.Repeat(" ", target-b.Len()))
	b.WriteString("-->\n")
	b.WriteString(tail)
	return []byte(b.String())
}

func styles(rng *rand.Rand) []byte {
	props := []string{"color", "background-color", "border-color", "margin", "padding", "font-size", "line-height",
		"border-radius", "min-height", "gap", "outline-offset", "letter-spacing"}
	blocks := []string{"ms-Button", "pane-item", "pane-header", "pane-section", "ms-TextField", "ms-Toggle", "pane-list", "ms-Spinner"}
	var b bytes.Buffer
	for b.Len() < cssSize {
		fmt.Fprintf(&b, ".%s--%s%d", blocks[rng.IntN(len(blocks))], []string{"is-", "has-", ""}[rng.IntN(3)], rng.IntN(500))
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&b, ":%s", []string{"hover", "focus", "active", "disabled", "focus-visible"}[rng.IntN(5)])
		}
		b.WriteString("{")
		for j := 0; j < 1+rng.IntN(4); j++ {
			p := props[rng.IntN(len(props))]
			switch {
			case strings.Contains(p, "color"):
				fmt.Fprintf(&b, "%s:#%06x;", p, rng.IntN(1<<24))
			default:
				fmt.Fprintf(&b, "%s:%dpx %dpx;", p, rng.IntN(40), rng.IntN(40))
			}
		}
		b.WriteString("}\n")
	}
	return b.Bytes()[:cssSize]
}

// icon is a px×px PNG: a video camera glyph on a blue tile.
func icon(px int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, px, px))
	blue, white := color.NRGBA{0x0f, 0x6c, 0xbd, 0xff}, color.NRGBA{0xff, 0xff, 0xff, 0xff}
	for y := 0; y < px; y++ {
		for x := 0; x < px; x++ {
			c := blue
			fx, fy := float64(x)/float64(px), float64(y)/float64(px)
			body := fx > 0.18 && fx < 0.62 && fy > 0.3 && fy < 0.7
			lens := fx >= 0.62 && fx < 0.84 && fy > 0.5-(fx-0.62)*0.9 && fy < 0.5+(fx-0.62)*0.9
			if body || lens {
				c = white
			}
			// A little shading, so the image compresses like a real icon.
			c.R += uint8(x * y % 7)
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
