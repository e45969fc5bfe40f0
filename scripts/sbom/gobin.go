package main

import (
	"debug/buildinfo"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// ourModule is this repository's module path (go.mod): a binary built
// from it embeds the frontend, whose npm packages it then contains.
const ourModule = "vmr-companion"

// goLicense is the Go distribution's license: the standard library and
// runtime in every Go binary are under it.
const goLicense = "BSD-3-Clause"

var ldflagsVersion = regexp.MustCompile(`-X[= ]main\.version=([^ '"]+)`)

// addGoBinary describes the Go program at path as a package (named name),
// with the Go standard library, every module in its build information and,
// for our own programs, the frontend's npm packages, all CONTAINed by it.
// Its version is -X main.version when the build information has it (not
// with -trimpath, which leaves -ldflags out), else versionHint (the
// artefact's version), else the main module's.
// It returns the binary's SPDX id, or "" when path is not a Go binary.
func (b *builder) addGoBinary(path, name, versionHint string) (string, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return "", nil // not a Go binary: nothing to describe
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return "", err
	}
	version := bi.Main.Version
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if m := ldflagsVersion.FindStringSubmatch(settings["-ldflags"]); m != nil {
		version = m[1]
	} else if versionHint != "" {
		version = versionHint
	}
	bin := Package{
		SPDXID:                b.ids.next("Binary", filepath.Base(name)),
		Name:                  filepath.Base(name),
		VersionInfo:           version,
		PackageFileName:       name,
		Supplier:              b.supplier,
		DownloadLocation:      noAssertion,
		Checksums:             []Checksum{{Algorithm: "SHA256", ChecksumValue: sum}},
		LicenseConcluded:      noAssertion,
		LicenseDeclared:       noAssertion,
		CopyrightText:         noAssertion,
		PrimaryPackagePurpose: "APPLICATION",
		Comment: fmt.Sprintf("Go program %s, built with %s for %s/%s (tags %q)",
			bi.Path, bi.GoVersion, settings["GOOS"], settings["GOARCH"], settings["-tags"]),
	}
	if bi.Main.Path == ourModule {
		bin.LicenseDeclared = b.license
	}
	b.doc.Packages = append(b.doc.Packages, bin)

	goVersion := strings.TrimPrefix(bi.GoVersion, "go")
	b.contains(bin.SPDXID, Package{
		Name:                  "stdlib",
		VersionInfo:           goVersion,
		Supplier:              "Organization: The Go Authors",
		DownloadLocation:      noAssertion,
		LicenseConcluded:      noAssertion,
		LicenseDeclared:       goLicense,
		CopyrightText:         noAssertion,
		PrimaryPackagePurpose: "LIBRARY",
		ExternalRefs:          purlRef("pkg:golang/stdlib@" + purlVersion(goVersion)),
		Comment:               "the Go toolchain's standard library and runtime, " + bi.GoVersion,
	})
	for _, dep := range bi.Deps {
		m, comment := dep, ""
		if dep.Replace != nil {
			m = dep.Replace
			comment = fmt.Sprintf("replaces %s %s. ", dep.Path, dep.Version)
		}
		p := Package{
			Name:                  m.Path,
			VersionInfo:           m.Version,
			DownloadLocation:      noAssertion,
			LicenseConcluded:      noAssertion,
			LicenseDeclared:       noAssertion,
			CopyrightText:         noAssertion,
			PrimaryPackagePurpose: "LIBRARY",
			ExternalRefs:          purlRef(goPurl(m.Path, m.Version)),
		}
		// go.sum's h1 hash covers the module's file list (Go's dirhash),
		// not a file: a SHA256 checksum would not match any download, so
		// it is kept as a note only.
		if m.Sum != "" {
			comment += "go.sum: " + m.Sum + "."
		}
		p.Comment = strings.TrimSpace(comment)
		b.contains(bin.SPDXID, p)
	}
	if bi.Main.Path == ourModule {
		for _, p := range b.npm {
			b.contains(bin.SPDXID, p)
		}
	}
	return bin.SPDXID, nil
}

// goPurl is the package URL of a Go module: the path's segments as
// namespace and name, the version with '+' escaped.
func goPurl(path, version string) string {
	if version == "" {
		return "pkg:golang/" + path
	}
	return "pkg:golang/" + path + "@" + purlVersion(version)
}

func purlVersion(v string) string {
	return strings.ReplaceAll(v, "+", "%2B")
}
