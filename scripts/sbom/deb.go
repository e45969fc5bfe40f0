package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// deb describes a Debian package: its name, version and architecture from
// its control file, and the Go programs it installs, unpacked with
// dpkg-deb into a temporary folder.
func (b *builder) deb(path string, artefact Package) (*Document, error) {
	dpkg, err := exec.LookPath("dpkg-deb")
	if err != nil {
		return nil, errNoDpkg
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(dpkg, "--field", path, "Package", "Version", "Architecture")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("dpkg-deb --field: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	fields := map[string]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	if fields["Package"] == "" || fields["Version"] == "" {
		return nil, fmt.Errorf("no Package or Version in its control file")
	}
	artefact.Name = fields["Package"]
	artefact.VersionInfo = fields["Version"]
	artefact.PrimaryPackagePurpose = "INSTALL"
	artefact.Comment = "Debian package for " + fields["Architecture"]
	b.doc.Packages = append(b.doc.Packages, artefact)
	b.rel(documentID, "DESCRIBES", artefact.SPDXID)

	tmp, err := os.MkdirTemp("", "sbom-deb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	stderr.Reset()
	cmd = exec.Command(dpkg, "--extract", path, tmp)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("dpkg-deb --extract: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	err = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(tmp, p)
		bin, err := b.addGoBinary(p, "/"+filepath.ToSlash(rel), fields["Version"])
		if err != nil || bin == "" {
			return err
		}
		b.rel(artefact.SPDXID, "CONTAINS", bin)
		return nil
	})
	return b.doc, err
}
