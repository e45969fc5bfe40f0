// Command winpe checks the Windows packages for `make test-package-windows`
// (scripts/test-windows-package.sh), which runs on Linux:
//
//	winpe check [-gui] FILE...   each FILE is an amd64 PE image whose imports
//	                             all come from Windows' own DLLs
//	winpe prng-shim FILE         writes the test's stand-in for
//	                             bcryptprimitives.dll (see shim.go)
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: winpe check [-gui] FILE... | winpe prng-shim FILE")
		return 2
	}
	switch args[0] {
	case "check":
		fs := flag.NewFlagSet("check", flag.ContinueOnError)
		fs.SetOutput(stderr)
		gui := fs.Bool("gui", false, "require the Windows GUI subsystem")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "winpe check: name at least one file")
			return 2
		}
		status := 0
		for _, name := range fs.Args() {
			r, err := Check(name, *gui)
			if err != nil {
				fmt.Fprintf(stderr, "winpe: %s: %v\n", name, err)
				status = 1
				continue
			}
			fmt.Fprintf(stdout, "%s: PE32+ amd64, subsystem %s, imports %v\n", name, r.Subsystem, r.DLLs)
		}
		return status
	case "prng-shim":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: winpe prng-shim FILE")
			return 2
		}
		if err := os.WriteFile(args[1], PrngShim(), 0o644); err != nil {
			fmt.Fprintf(stderr, "winpe: %v\n", err)
			return 1
		}
		return 0
	default:
		fmt.Fprintf(stderr, "winpe: unknown command %q (check, prng-shim)\n", args[0])
		return 2
	}
}
