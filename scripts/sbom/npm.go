package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// npmPackages reads a package-lock.json (lockfile version 2 or 3) and
// returns the packages that are bundled into the window and the add-in:
// every installed package not marked dev or devOptional (the build tools
// and test runners are), one per name and version.
func npmPackages(lockPath string) ([]Package, error) {
	data, err := os.ReadFile(lockPath)
	if err != nil {
		return nil, err
	}
	var lock struct {
		LockfileVersion int `json:"lockfileVersion"`
		Packages        map[string]struct {
			Version     string `json:"version"`
			Resolved    string `json:"resolved"`
			Integrity   string `json:"integrity"`
			License     any    `json:"license"`
			Dev         bool   `json:"dev"`
			DevOptional bool   `json:"devOptional"`
			Link        bool   `json:"link"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("%s: %w", lockPath, err)
	}
	if lock.LockfileVersion < 2 {
		return nil, fmt.Errorf("%s: lockfile version %d has no \"packages\": run npm install with npm 7 or later", lockPath, lock.LockfileVersion)
	}
	seen := map[string]bool{}
	var out []Package
	for key, e := range lock.Packages {
		i := strings.LastIndex(key, "node_modules/")
		if key == "" || i < 0 || e.Dev || e.DevOptional || e.Link || e.Version == "" {
			continue
		}
		name := key[i+len("node_modules/"):]
		if seen[name+"@"+e.Version] {
			continue
		}
		seen[name+"@"+e.Version] = true
		license, _ := e.License.(string)
		p := Package{
			Name:                  name,
			VersionInfo:           e.Version,
			DownloadLocation:      noAssertion,
			LicenseConcluded:      noAssertion,
			LicenseDeclared:       spdxLicense(license),
			CopyrightText:         noAssertion,
			PrimaryPackagePurpose: "LIBRARY",
			ExternalRefs:          purlRef(npmPurl(name, e.Version)),
			Comment:               "bundled into the window and the add-in (frontend/dist)",
		}
		if e.Resolved != "" {
			p.DownloadLocation = e.Resolved
		}
		if c, ok := integrityChecksum(e.Integrity); ok {
			p.Checksums = []Checksum{c}
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].VersionInfo < out[j].VersionInfo
	})
	return out, nil
}

// npmPurl: a scope's '@' is escaped, as package URLs want.
func npmPurl(name, version string) string {
	return "pkg:npm/" + strings.Replace(name, "@", "%40", 1) + "@" + purlVersion(version)
}

// integrityChecksum turns a Subresource Integrity value (the tarball's
// hash) into an SPDX checksum.
func integrityChecksum(sri string) (Checksum, bool) {
	f := strings.Fields(sri)
	if len(f) == 0 {
		return Checksum{}, false
	}
	alg, b64, ok := strings.Cut(f[0], "-")
	if !ok {
		return Checksum{}, false
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return Checksum{}, false
	}
	switch alg {
	case "sha512":
		return Checksum{Algorithm: "SHA512", ChecksumValue: hex.EncodeToString(raw)}, true
	case "sha256":
		return Checksum{Algorithm: "SHA256", ChecksumValue: hex.EncodeToString(raw)}, true
	case "sha1":
		return Checksum{Algorithm: "SHA1", ChecksumValue: hex.EncodeToString(raw)}, true
	}
	return Checksum{}, false
}
