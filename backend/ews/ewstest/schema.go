package ewstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// TB is the part of testing.TB the schema check uses (so that this package
// does not link the testing package into the demo server).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// sharedDir finds the shared reference folder beside the repository (the
// directory holding go.mod), as the tests expect it.
func sharedDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 10 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(dir, "..", "shared")
			if _, err := os.Stat(filepath.Join(shared, "schemas", "ews", "messages.xsd")); err != nil {
				return "", fmt.Errorf("no EWS schemas at %s: %w", shared, err)
			}
			return shared, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("no go.mod above the working directory")
}

// SharedDir returns the shared reference folder (../shared beside the
// repository), skipping the test when it is missing.
func SharedDir(tb TB) string {
	tb.Helper()
	dir, err := sharedDir()
	if err != nil {
		tb.Skipf("this test needs ../shared beside the repository (CI has it) for the EWS schemas and fixtures: %v", err)
	}
	return dir
}

// SchemaErrors validates SOAP envelopes against the EWS schema the way
// shared/schemas/ews/PROVENANCE.md says (xsltproc soap-body.xsl, then
// xmllint --schema messages.xsd), all in one tool run, and returns the
// complaints per document index; a valid document has none. It fails tb
// when the schemas or tools are missing.
func SchemaErrors(tb TB, docs [][]byte) map[int]string {
	tb.Helper()
	shared := SharedDir(tb)
	for tool, pkg := range map[string]string{"xmllint": "libxml2-utils", "xsltproc": "xsltproc"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Fatalf("%s is missing: apt-get install %s (make deps-test installs it)", tool, pkg)
		}
	}
	if len(docs) == 0 {
		return nil
	}
	dir, err := os.MkdirTemp("", "ews-schema-")
	if err != nil {
		tb.Fatalf("temp dir: %v", err)
	}
	defer os.RemoveAll(dir)
	args := []string{"-c", `xsl=$1; xsd=$2; shift 2
for f in "$@"; do xsltproc "$xsl" "$f" > "$f.body" || echo "$f.body: xsltproc failed"; done
for f in "$@"; do set -- "$@" "$f.body"; shift; done
xmllint --noout --nonet --schema "$xsd" "$@" 2>&1
exit 0`, "sh",
		filepath.Join(shared, "schemas", "ews", "soap-body.xsl"), filepath.Join(shared, "schemas", "ews", "messages.xsd")}
	files := make([]string, len(docs))
	for i, d := range docs {
		files[i] = filepath.Join(dir, fmt.Sprintf("req-%04d.xml", i))
		if err := os.WriteFile(files[i], d, 0o600); err != nil {
			tb.Fatalf("writing %s: %v", files[i], err)
		}
		args = append(args, files[i])
	}
	out, err := exec.Command("sh", args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("running xsltproc/xmllint: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	result := map[int]string{}
	for i, f := range files {
		body := f + ".body"
		valid := false
		var complaints []string
		for _, l := range lines {
			switch {
			case l == body+" validates":
				valid = true
			case strings.HasPrefix(l, body):
				complaints = append(complaints, strings.TrimPrefix(l, dir+string(filepath.Separator)))
			}
		}
		if !valid {
			if len(complaints) == 0 {
				complaints = []string{"xmllint did not say it validates:\n" + string(out)}
			}
			result[i] = strings.Join(complaints, "\n")
		}
	}
	return result
}

// CheckRequests validates every recorded EWS request (Autodiscover's are
// in another schema and are skipped) and fails tb with the complaints.
func (s *Server) CheckRequests(tb TB) {
	tb.Helper()
	var docs [][]byte
	var ops []string
	for _, r := range s.Requests() {
		if r.Operation == "GetUserSettings" || r.Body == nil {
			continue
		}
		docs = append(docs, r.Body)
		ops = append(ops, r.Operation)
	}
	if len(docs) == 0 {
		tb.Fatalf("no EWS requests were recorded to validate")
	}
	errs := SchemaErrors(tb, docs)
	if len(errs) == 0 {
		return
	}
	var b strings.Builder
	for i, d := range docs {
		if e, ok := errs[i]; ok {
			fmt.Fprintf(&b, "\n%s request %d does not validate:\n%s\n%s\n", ops[i], i, e, d)
		}
	}
	tb.Fatalf("requests fail the EWS schema:%s", b.String())
}
