package main

import (
	"debug/pe"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// systemDLLs are DLLs every Windows 10 and 11 installation has, in lower
// case. An import from anything else would fail to load on a clean machine
// (the app and the installer ship no DLLs of their own).
var systemDLLs = []string{
	"advapi32.dll", "bcrypt.dll", "bcryptprimitives.dll", "comctl32.dll", "comdlg32.dll",
	"crypt32.dll", "dwmapi.dll", "gdi32.dll", "iphlpapi.dll", "kernel32.dll", "msvcrt.dll",
	"netapi32.dll", "ntdll.dll", "ole32.dll", "oleaut32.dll", "secur32.dll", "setupapi.dll",
	"shcore.dll", "shell32.dll", "shlwapi.dll", "user32.dll", "userenv.dll", "uxtheme.dll",
	"version.dll", "winhttp.dll", "winmm.dll", "ws2_32.dll",
}

// Report is what Check found in one file.
type Report struct {
	Subsystem string
	DLLs      []string // imported DLLs, lower case, sorted
}

// Check opens a PE image and checks it is a 64-bit x86 image, a GUI program
// when gui is set, and that it imports only from systemDLLs.
func Check(path string, gui bool) (Report, error) {
	f, err := pe.Open(path)
	if err != nil {
		return Report{}, fmt.Errorf("not a PE image: %w", err)
	}
	defer f.Close()
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		return Report{}, fmt.Errorf("machine %#x, want amd64 (%#x)", f.Machine, pe.IMAGE_FILE_MACHINE_AMD64)
	}
	if f.Characteristics&pe.IMAGE_FILE_EXECUTABLE_IMAGE == 0 {
		return Report{}, errors.New("not marked executable")
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		return Report{}, errors.New("not PE32+ (no 64-bit optional header)")
	}
	r := Report{Subsystem: subsystemName(oh.Subsystem)}
	if gui && oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		return r, fmt.Errorf("subsystem %s, want the Windows GUI subsystem", r.Subsystem)
	}
	// debug/pe's ImportedLibraries is empty for PE files; the symbols
	// carry their DLL after the last colon.
	syms, err := f.ImportedSymbols()
	if err != nil {
		return r, fmt.Errorf("reading the import table: %w", err)
	}
	for _, s := range syms {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			continue
		}
		if dll := strings.ToLower(s[i+1:]); !slices.Contains(r.DLLs, dll) {
			r.DLLs = append(r.DLLs, dll)
		}
	}
	slices.Sort(r.DLLs)
	if len(r.DLLs) == 0 {
		return r, errors.New("imports nothing: not a program Windows can load")
	}
	var unknown []string
	for _, dll := range r.DLLs {
		if !slices.Contains(systemDLLs, dll) {
			unknown = append(unknown, dll)
		}
	}
	if len(unknown) > 0 {
		return r, fmt.Errorf("imports %s, which Windows does not ship", strings.Join(unknown, ", "))
	}
	return r, nil
}

func subsystemName(s uint16) string {
	switch s {
	case pe.IMAGE_SUBSYSTEM_WINDOWS_GUI:
		return "GUI"
	case pe.IMAGE_SUBSYSTEM_WINDOWS_CUI:
		return "console"
	default:
		return fmt.Sprintf("%d", s)
	}
}
