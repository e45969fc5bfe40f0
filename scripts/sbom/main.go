// Command sbom writes, for every artefact in a folder (build/packages), an
// SPDX 2.3 JSON SBOM beside it (<artefact>.spdx.json), and then the folder's
// SHA256SUMS (sha256sum's format, covering the artefacts and their SBOMs).
// `make package-sums` runs it.
//
// What each SBOM describes: a Go binary (the Windows exe) with the Go
// standard library, every module of its build information and, for our own
// programs, the frontend's non-dev npm packages (frontend/package-lock.json),
// all CONTAINed by it; a .deb (unpacked with dpkg-deb) with the Go binaries
// inside it; the Windows installer with the exe it packs (the plain exe
// beside it, vmr-companion-<version>-windows-amd64.exe, which
// `make package-windows` copies from the same build). Licenses: the
// project's (-license), Go's for the standard library, npm's from the lock
// file when it is an SPDX expression, NOASSERTION otherwise (a Go binary's
// build information names no licenses).
//
// Everything is deterministic but the creation time: SOURCE_DATE_EPOCH
// (seconds) when set, the current time otherwise.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"vmr-companion/backend/atomicfile"
)

const (
	sumsName   = "SHA256SUMS"
	sbomSuffix = ".spdx.json"
	toolName   = "vmr-companion-sbom"
	// The namespace only has to be unique: .invalid says it is not a place
	// to fetch anything from.
	namespaceBase = "https://vmr-companion.invalid/spdx/"
	ourSupplier   = "Organization: VMR Companion contributors"
)

func main() {
	dir := flag.String("dir", "build/packages", "the folder of artefacts")
	lock := flag.String("lock", "frontend/package-lock.json", "the frontend's package-lock.json")
	license := flag.String("license", noAssertion, "the project's license, an SPDX expression")
	flag.Parse()
	created, err := creationTime(os.Getenv("SOURCE_DATE_EPOCH"), time.Now)
	if err == nil {
		err = run(*dir, *lock, *license, created, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbom:", err)
		os.Exit(1)
	}
}

// creationTime is SOURCE_DATE_EPOCH when set, now otherwise, in UTC to the
// second as SPDX wants.
func creationTime(epoch string, now func() time.Time) (time.Time, error) {
	if epoch == "" {
		return now().UTC().Truncate(time.Second), nil
	}
	s, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil || s < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", epoch)
	}
	return time.Unix(s, 0).UTC(), nil
}

func run(dir, lockPath, license string, created time.Time, out io.Writer) error {
	artefacts, err := listArtefacts(dir)
	if err != nil {
		return err
	}
	if len(artefacts) == 0 {
		return fmt.Errorf("no artefacts in %s: run make package-linux and make package-windows first", dir)
	}
	npm, err := npmPackages(lockPath)
	if err != nil {
		return fmt.Errorf("reading the frontend's packages: %w", err)
	}
	var sums bytes.Buffer
	for _, name := range artefacts {
		path := filepath.Join(dir, name)
		doc, err := describe(path, name, artefacts, license, created, npm)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		data, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		data = append(data, '\n')
		if err := atomicfile.Write(path+sbomSuffix, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d packages\n", name+sbomSuffix, len(doc.Packages))
		for _, f := range []string{name, name + sbomSuffix} {
			sum, err := fileSHA256(filepath.Join(dir, f))
			if err != nil {
				return err
			}
			// Two spaces: sha256sum's text mode, which sha256sum -c reads.
			fmt.Fprintf(&sums, "%s  %s\n", sum, f)
		}
	}
	if err := atomicfile.Write(filepath.Join(dir, sumsName), sums.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d files\n", sumsName, 2*len(artefacts))
	return nil
}

// listArtefacts is every regular file in dir but what this program writes,
// sorted.
func listArtefacts(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || n == sumsName || strings.HasSuffix(n, sbomSuffix) || strings.HasPrefix(n, ".") {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// builder collects one document's packages and relationships.
type builder struct {
	doc      *Document
	ids      ids
	license  string
	supplier string
	npm      []Package
	byPurl   map[string]string // a dependency's purl → its SPDX id, so that two binaries share it
}

// contains adds p (unless an equal one is there) and "parent CONTAINS p".
func (b *builder) contains(parent string, p Package) {
	key := p.Name + "@" + p.VersionInfo
	if len(p.ExternalRefs) > 0 {
		key = p.ExternalRefs[0].ReferenceLocator
	}
	id, ok := b.byPurl[key]
	if !ok {
		id = b.ids.next(purposeWord(p), p.Name, p.VersionInfo)
		p.SPDXID = id
		b.doc.Packages = append(b.doc.Packages, p)
		b.byPurl[key] = id
	}
	b.rel(parent, "CONTAINS", id)
}

func (b *builder) rel(from, typ, to string) {
	b.doc.Relationships = append(b.doc.Relationships, Relationship{SPDXElementID: from, RelationshipType: typ, RelatedSPDXElement: to})
}

func purposeWord(p Package) string {
	if len(p.ExternalRefs) > 0 {
		if t, _, ok := strings.Cut(strings.TrimPrefix(p.ExternalRefs[0].ReferenceLocator, "pkg:"), "/"); ok {
			return t
		}
	}
	return "Package"
}

// describe builds the SBOM of one artefact.
func describe(path, name string, all []string, license string, created time.Time, npm []Package) (*Document, error) {
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, err
	}
	b := &builder{
		doc: &Document{
			SPDXVersion:       "SPDX-2.3",
			DataLicense:       "CC0-1.0",
			SPDXID:            documentID,
			Name:              name,
			DocumentNamespace: namespaceBase + name + "-" + sum,
			CreationInfo: CreationInfo{
				Created:  created.Format(time.RFC3339),
				Creators: []string{"Tool: " + toolName, ourSupplier},
			},
		},
		ids:      ids{documentID: true},
		license:  license,
		supplier: ourSupplier,
		npm:      npm,
		byPurl:   map[string]string{},
	}
	artefact := Package{
		SPDXID:           b.ids.next("Artefact", name),
		Name:             name,
		PackageFileName:  name,
		Supplier:         ourSupplier,
		DownloadLocation: noAssertion,
		Checksums:        []Checksum{{Algorithm: "SHA256", ChecksumValue: sum}},
		LicenseConcluded: noAssertion,
		LicenseDeclared:  license,
		CopyrightText:    noAssertion,
	}
	switch {
	case strings.HasSuffix(name, ".deb"):
		return b.deb(path, artefact)
	case strings.HasSuffix(name, "-installer.exe"):
		exe := strings.TrimSuffix(name, "-installer.exe") + ".exe"
		if !contains(all, exe) {
			return nil, fmt.Errorf("the program this installer packs, %s, is not beside it: build both with make package-windows", exe)
		}
		artefact.VersionInfo = windowsVersion(name)
		artefact.PrimaryPackagePurpose = "INSTALL"
		artefact.Comment = "NSIS installer of " + exe
		b.doc.Packages = append(b.doc.Packages, artefact)
		b.rel(documentID, "DESCRIBES", artefact.SPDXID)
		bin, err := b.addGoBinary(filepath.Join(filepath.Dir(path), exe), "vmr-companion.exe", windowsVersion(name))
		if err != nil {
			return nil, err
		}
		if bin == "" {
			return nil, fmt.Errorf("%s is not a Go program", exe)
		}
		b.rel(artefact.SPDXID, "CONTAINS", bin)
		return b.doc, nil
	default:
		// A program on its own: it is the artefact.
		bin, err := b.addGoBinary(path, name, windowsVersion(name))
		if err != nil {
			return nil, err
		}
		if bin != "" {
			b.rel(documentID, "DESCRIBES", bin)
			return b.doc, nil
		}
		artefact.PrimaryPackagePurpose = "FILE"
		b.doc.Packages = append(b.doc.Packages, artefact)
		b.rel(documentID, "DESCRIBES", artefact.SPDXID)
		return b.doc, nil
	}
}

// windowsVersion is the version in the name make package-windows gives its
// files (vmr-companion-<version>-windows-<arch>[-installer].exe), or "".
var windowsName = regexp.MustCompile(`^vmr-companion-(.+)-windows-[a-z0-9]+(-installer)?\.exe$`)

func windowsVersion(name string) string {
	if m := windowsName.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var errNoDpkg = errors.New("dpkg-deb not found: install dpkg (Debian, Ubuntu) to describe .deb packages")
