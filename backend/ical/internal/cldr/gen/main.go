// Command gen writes backend/ical/windowszones.go from the CLDR data in
// backend/ical/internal/cldr. go generate runs it in backend/ical:
//
//	go generate ./backend/ical
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"vmr-companion/backend/ical/internal/cldr"
)

func main() {
	in := flag.String("in", filepath.Join("internal", "cldr", cldr.InputFile), "CLDR's windowsZones.json")
	out := flag.String("out", "windowszones.go", "the Go file to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	src, err := cldr.WindowsZonesGo(data)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}
