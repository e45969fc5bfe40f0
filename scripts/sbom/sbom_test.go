package main

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// A lock file with what the frontend's has: a plain and a scoped runtime
// package, a nested copy, a dev tool, a dev-or-optional one and a link.
const testLock = `{
  "name": "frontend", "lockfileVersion": 3,
  "packages": {
    "": {"name": "frontend", "version": "0.1.0"},
    "node_modules/qrcode": {"version": "1.5.4", "license": "MIT",
      "resolved": "https://registry.example/qrcode/-/qrcode-1.5.4.tgz",
      "integrity": "sha512-1ca71Zgiu6ORjHqFBDpnSMTR2ReToX4l1Au1VFLyVeBTFavzQnv5JxMFr3ukHVKpSrSA2MCk0lNJSykjUfz7Zg=="},
    "node_modules/@azure/msal-browser": {"version": "5.30.0", "license": "(MIT OR Apache-2.0)"},
    "node_modules/wrap-ansi/node_modules/ansi-styles": {"version": "4.3.0", "license": "SEE LICENSE IN LICENSE.md"},
    "node_modules/svelte": {"version": "5.0.0", "license": "MIT", "dev": true},
    "node_modules/fsevents": {"version": "2.3.3", "devOptional": true},
    "node_modules/local": {"resolved": "../local", "link": true}
  }
}`

var created = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// packagesDir builds a Go program of this module (scripts/tsgen, which
// links third-party modules) and lays out what make package leaves: the
// Windows exe and its installer (here a stand-in file: the SBOM describes
// the exe beside it), and, where dpkg-deb exists, a .deb with the program.
func packagesDir(t *testing.T) (dir, lock, bin string) {
	t.Helper()
	root := t.TempDir()
	dir = filepath.Join(root, "packages")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "vmr-companion-1.2.3-windows-amd64.exe")
	if err := os.WriteFile(bin, testProgram(t), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vmr-companion-1.2.3-windows-amd64-installer.exe"), []byte("MZ installer"), 0o644); err != nil {
		t.Fatal(err)
	}
	if dpkg, err := exec.LookPath("dpkg-deb"); err == nil {
		tree := filepath.Join(root, "deb")
		for _, d := range []string{"DEBIAN", "usr/bin", "usr/share/doc/vmr-companion"} {
			if err := os.MkdirAll(filepath.Join(tree, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		control := "Package: vmr-companion\nVersion: 1.2.3\nArchitecture: amd64\nMaintainer: Test <test@example.com>\nDescription: test\n"
		files := map[string]string{"DEBIAN/control": control, "usr/share/doc/vmr-companion/README": "not a program\n"}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(tree, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tree, "usr/bin/vmr-companion"), data, 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(dpkg, "--root-owner-group", "--build", tree, filepath.Join(dir, "vmr-companion_1.2.3_amd64.deb")).CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg-deb --build: %v\n%s", err, out)
		}
	} else {
		t.Log("dpkg-deb not found: no .deb in this test")
	}
	lock = filepath.Join(root, "package-lock.json")
	if err := os.WriteFile(lock, []byte(testLock), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, lock, bin
}

var (
	programOnce sync.Once
	program     []byte
	programErr  error
)

// testProgram is a Go program of this module that links third-party
// modules (scripts/tsgen), built once per test run.
func testProgram(t *testing.T) []byte {
	t.Helper()
	programOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sbom-test-")
		if err != nil {
			programErr = err
			return
		}
		defer os.RemoveAll(dir)
		out, err := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "prog"), "vmr-companion/scripts/tsgen").CombinedOutput()
		if err != nil {
			programErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		program, programErr = os.ReadFile(filepath.Join(dir, "prog"))
	})
	if programErr != nil {
		t.Fatal(programErr)
	}
	return program
}

var spdxID = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)

// checkDocument checks the fields SPDX 2.3 requires of a document and its
// packages, that SPDX ids are unique and every relationship names
// elements of the document, and returns the packages by purl (or name).
func checkDocument(t *testing.T, path string) (doc map[string]any, byRef map[string]map[string]any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	for k, want := range map[string]string{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT"} {
		if got := str(doc, k); got != want {
			t.Errorf("%s: %s = %q, want %q", path, k, got, want)
		}
	}
	if str(doc, "name") == "" {
		t.Errorf("%s: no name", path)
	}
	if u, err := url.Parse(str(doc, "documentNamespace")); err != nil || u.Scheme == "" || strings.Contains(u.String(), "#") {
		t.Errorf("%s: documentNamespace %q is not an absolute URI without '#'", path, str(doc, "documentNamespace"))
	}
	ci, _ := doc["creationInfo"].(map[string]any)
	if got := str(ci, "created"); got != created.Format(time.RFC3339) {
		t.Errorf("%s: created = %q, want %q", path, got, created.Format(time.RFC3339))
	}
	if creators, _ := ci["creators"].([]any); len(creators) == 0 {
		t.Errorf("%s: no creators", path)
	}
	seen := map[string]bool{"SPDXRef-DOCUMENT": true}
	byRef = map[string]map[string]any{}
	pkgs, _ := doc["packages"].([]any)
	for _, x := range pkgs {
		p := x.(map[string]any)
		id := str(p, "SPDXID")
		if !spdxID.MatchString(id) || seen[id] {
			t.Errorf("%s: SPDXID %q is malformed or not unique", path, id)
		}
		seen[id] = true
		for _, k := range []string{"name", "downloadLocation", "licenseConcluded", "licenseDeclared", "copyrightText"} {
			if str(p, k) == "" {
				t.Errorf("%s: package %s has no %s", path, id, k)
			}
		}
		if _, ok := p["filesAnalyzed"].(bool); !ok {
			t.Errorf("%s: package %s does not say filesAnalyzed", path, id)
		}
		ref := str(p, "name") + "@" + str(p, "versionInfo")
		if refs, _ := p["externalRefs"].([]any); len(refs) > 0 {
			ref = str(refs[0].(map[string]any), "referenceLocator")
		}
		byRef[ref] = p
	}
	describes := 0
	rels, _ := doc["relationships"].([]any)
	for _, x := range rels {
		r := x.(map[string]any)
		from, to, typ := str(r, "spdxElementId"), str(r, "relatedSpdxElement"), str(r, "relationshipType")
		if !seen[from] || !seen[to] {
			t.Errorf("%s: relationship %s %s %s names an element not in the document", path, from, typ, to)
		}
		if typ == "DESCRIBES" && from == "SPDXRef-DOCUMENT" {
			describes++
		}
	}
	if describes != 1 {
		t.Errorf("%s: the document DESCRIBES %d packages, want 1", path, describes)
	}
	return doc, byRef
}

func TestSBOMsDescribeEveryModuleAndTheFrontend(t *testing.T) {
	dir, lock, bin := packagesDir(t)
	if err := run(dir, lock, "MIT", created, io.Discard); err != nil {
		t.Fatal(err)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(bi.Deps) == 0 {
		t.Fatal("the test program links no modules: pick another")
	}
	artefacts, err := listArtefacts(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range artefacts {
		t.Run(name, func(t *testing.T) {
			_, byRef := checkDocument(t, filepath.Join(dir, name+sbomSuffix))
			for _, d := range bi.Deps {
				m := d
				if d.Replace != nil {
					m = d.Replace
				}
				p, ok := byRef[goPurl(m.Path, m.Version)]
				if !ok {
					t.Errorf("module %s %s is missing", m.Path, m.Version)
					continue
				}
				if p["versionInfo"] != m.Version {
					t.Errorf("module %s: versionInfo %v, want %s", m.Path, p["versionInfo"], m.Version)
				}
			}
			if p := byRef["pkg:golang/stdlib@"+strings.TrimPrefix(bi.GoVersion, "go")]; p == nil || p["licenseDeclared"] != goLicense {
				t.Errorf("the Go standard library is missing or without its license: %v", p)
			}
			for ref, license := range map[string]string{
				"pkg:npm/qrcode@1.5.4":                 "MIT",
				"pkg:npm/%40azure/msal-browser@5.30.0": "(MIT OR Apache-2.0)",
				"pkg:npm/ansi-styles@4.3.0":            "NOASSERTION",
			} {
				if p := byRef[ref]; p == nil || p["licenseDeclared"] != license {
					t.Errorf("npm package %s: %v, want licenseDeclared %s", ref, p, license)
				}
			}
			if p := byRef["pkg:npm/qrcode@1.5.4"]; p != nil {
				sums, _ := p["checksums"].([]any)
				if len(sums) != 1 || sums[0].(map[string]any)["algorithm"] != "SHA512" {
					t.Errorf("qrcode's checksums = %v, want its SHA512 integrity", sums)
				}
			}
			for ref := range byRef {
				if strings.Contains(ref, "svelte") || strings.Contains(ref, "fsevents") || strings.Contains(ref, "local") {
					t.Errorf("%s is not bundled (dev, devOptional or a link) but listed", ref)
				}
			}
			// The project's license and version, on the program.
			programs := 0
			for _, p := range byRef {
				if id, _ := p["SPDXID"].(string); strings.HasPrefix(id, "SPDXRef-Binary-") {
					programs++
					if p["licenseDeclared"] != "MIT" || p["versionInfo"] != "1.2.3" {
						t.Errorf("the program's package = %v, want version 1.2.3 and the project's license", p)
					}
				}
			}
			if programs != 1 {
				t.Errorf("%d programs described, want 1", programs)
			}
		})
	}
}

func TestSBOMsAreDeterministicAndSumsCheck(t *testing.T) {
	dir, lock, _ := packagesDir(t)
	read := func() map[string][]byte {
		if err := run(dir, lock, "MIT", created, io.Discard); err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), sbomSuffix) || e.Name() == sumsName {
				out[e.Name()], _ = os.ReadFile(filepath.Join(dir, e.Name()))
			}
		}
		return out
	}
	first, second := read(), read()
	if len(first) < 3 {
		t.Fatalf("wrote %d files, want an SBOM per artefact and SHA256SUMS", len(first))
	}
	for name, data := range first {
		if !bytes.Equal(data, second[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	sums := string(first[sumsName])
	artefacts, _ := listArtefacts(dir)
	for _, a := range artefacts {
		if !strings.Contains(sums, "  "+a+"\n") || !strings.Contains(sums, "  "+a+sbomSuffix+"\n") {
			t.Errorf("SHA256SUMS does not list %s and its SBOM:\n%s", a, sums)
		}
	}
	sha, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("sha256sum not found: SHA256SUMS not checked by it")
	}
	cmd := exec.Command(sha, "--check", "--strict", sumsName)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
}

func TestAnInstallerNeedsItsProgramBesideIt(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "vmr-companion-1.0-windows-amd64-installer.exe"), []byte("MZ"), 0o644); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dir, "..", filepath.Base(dir)+".lock.json")
	if err := os.WriteFile(lock, []byte(testLock), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(dir, lock, "MIT", created, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "vmr-companion-1.0-windows-amd64.exe, is not beside it") {
		t.Fatalf("err = %v, want one naming the missing program", err)
	}
	if _, err := os.Stat(filepath.Join(dir, sumsName)); !os.IsNotExist(err) {
		t.Errorf("SHA256SUMS written although an SBOM failed (%v)", err)
	}
}

func TestCreationTime(t *testing.T) {
	now := func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600)) }
	if got, err := creationTime("", now); err != nil || !got.Equal(time.Date(2030, 1, 2, 2, 4, 5, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("creationTime(\"\") = %v, %v", got, err)
	}
	if got, err := creationTime("1700000000", now); err != nil || got.Format(time.RFC3339) != "2023-11-14T22:13:20Z" {
		t.Errorf("creationTime(SOURCE_DATE_EPOCH) = %v, %v", got, err)
	}
	for _, bad := range []string{"soon", "-1", "1.5"} {
		if _, err := creationTime(bad, now); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
			t.Errorf("creationTime(%q) err = %v, want one naming SOURCE_DATE_EPOCH", bad, err)
		}
	}
}

func TestSPDXLicenseAndIDs(t *testing.T) {
	for in, want := range map[string]string{
		"MIT": "MIT", "(MIT OR Apache-2.0)": "(MIT OR Apache-2.0)", "Apache-2.0 WITH LLVM-exception": "Apache-2.0 WITH LLVM-exception",
		"": noAssertion, "SEE LICENSE IN LICENSE.md": noAssertion, "MIT, BSD": noAssertion, "Public Domain": noAssertion,
	} {
		if got := spdxLicense(in); got != want {
			t.Errorf("spdxLicense(%q) = %q, want %q", in, got, want)
		}
	}
	m := ids{}
	a, b := m.next("golang", "example.com/a_b", "v1.0.0+incompatible"), m.next("golang", "example.com/a-b", "v1.0.0-incompatible")
	if a == b || !spdxID.MatchString(a) || !spdxID.MatchString(b) {
		t.Errorf("ids %q and %q: want two distinct valid SPDX ids", a, b)
	}
	if got := goPurl("github.com/x/y", "v2.0.0+incompatible"); got != "pkg:golang/github.com/x/y@v2.0.0%2Bincompatible" {
		t.Errorf("goPurl = %q", got)
	}
}
