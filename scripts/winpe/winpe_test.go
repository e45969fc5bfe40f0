package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// windowsProgram cross-builds a small Windows program, as a console or a
// GUI program.
func windowsProgram(t *testing.T, gui bool) string {
	t.Helper()
	dir := t.TempDir()
	src := "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"hello\\n\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"build", "-o", "hello.exe"}
	if gui {
		args = append(args, "-ldflags", "-H windowsgui")
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return filepath.Join(dir, "hello.exe")
}

func TestCheck(t *testing.T) {
	gui := windowsProgram(t, true)
	r, err := Check(gui, true)
	if err != nil || r.Subsystem != "GUI" || len(r.DLLs) == 0 || r.DLLs[0] != "kernel32.dll" {
		t.Fatalf("Check(GUI program) = %+v, %v", r, err)
	}
	console := windowsProgram(t, false)
	if _, err := Check(console, false); err != nil {
		t.Errorf("Check(console program, any subsystem) = %v", err)
	}
	if _, err := Check(console, true); err == nil || !strings.Contains(err.Error(), "subsystem console") {
		t.Errorf("Check(console program, GUI wanted) = %v, want a subsystem error", err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(self, false); err == nil || !strings.Contains(err.Error(), "not a PE image") {
		t.Errorf("Check(a Linux program) = %v, want not a PE image", err)
	}
}

func TestCheckRefusesImportsWindowsDoesNotShip(t *testing.T) {
	// The GUI program with its import of kernel32.dll renamed in place.
	data, err := os.ReadFile(windowsProgram(t, true))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("kernel32.dll\x00"))
	if i < 0 {
		t.Fatal("no kernel32.dll in the program")
	}
	copy(data[i:], "kernel99.dll")
	path := filepath.Join(t.TempDir(), "odd.exe")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(path, true); err == nil || !strings.Contains(err.Error(), "kernel99.dll, which Windows does not ship") {
		t.Errorf("Check = %v, want kernel99.dll refused", err)
	}
}

func TestPrngShimIsADLLForwardingProcessPrng(t *testing.T) {
	data := PrngShim()
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PE image: %v", err)
	}
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 || f.Characteristics&pe.IMAGE_FILE_DLL == 0 {
		t.Fatalf("machine %#x, characteristics %#x: want an amd64 DLL", f.Machine, f.Characteristics)
	}
	oh := f.OptionalHeader.(*pe.OptionalHeader64)
	dir := oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_EXPORT]
	s := f.Sections[0]
	edata, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	at := func(rva uint32) []byte { return edata[rva-s.VirtualAddress:] }
	cstr := func(rva uint32) string { b := at(rva); return string(b[:bytes.IndexByte(b, 0)]) }
	le := binary.LittleEndian
	d := at(dir.VirtualAddress)
	if got := cstr(le.Uint32(d[12:])); got != "bcryptprimitives.dll" {
		t.Errorf("DLL name %q", got)
	}
	name := cstr(le.Uint32(at(le.Uint32(d[32:]))))
	fn := le.Uint32(at(le.Uint32(d[28:])))
	if name != "ProcessPrng" {
		t.Errorf("export %q, want ProcessPrng", name)
	}
	// A forwarder: the function's address lies inside the export directory.
	if fn < dir.VirtualAddress || fn >= dir.VirtualAddress+dir.Size || cstr(fn) != "advapi32.SystemFunction036" {
		t.Errorf("ProcessPrng does not forward to advapi32.SystemFunction036 (address %#x, directory %#x+%#x)", fn, dir.VirtualAddress, dir.Size)
	}
}
