package templates_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/templates"
)

// This test lives in package templates_test so that backend/integration can
// import templates without an import cycle.
func TestDefaultTemplates(t *testing.T) {
	raw, err := json.Marshal(integration.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := json.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	e := templates.NewUntimed()
	n := 0
	for _, f := range integration.Describe().Fields {
		if f.Format != integration.FormatTemplate {
			continue
		}
		n++
		src, _ := values[f.Name].(string)
		t.Run("the default "+f.Name+" checks and renders", func(t *testing.T) {
			if src == "" {
				t.Fatalf("no default text")
			}
			if err := e.Check(f.Name, src); err != nil {
				t.Fatalf("Check: %v", err)
			}
			out, err := e.Preview(context.Background(), f.Name, src)
			if err != nil {
				t.Fatalf("Preview: %v", err)
			}
			if out == "" {
				t.Errorf("Preview rendered nothing")
			}
		})
		t.Run("the samples for "+f.Name+" cover its documented variables", func(t *testing.T) {
			vars := templates.SampleVars(f.Name)
			for _, v := range f.Variables {
				if _, ok := vars[v]; !ok {
					t.Errorf("SampleVars(%q) lacks %q", f.Name, v)
				}
			}
		})
	}
	if n < 20 {
		t.Errorf("found %d template fields, want the 22 of the integration", n)
	}
}

func TestDefaultInstructionsEscapeSampleData(t *testing.T) {
	e := templates.NewUntimed()
	d := integration.Defaults()
	vars := templates.SampleVars("personal_vmr_instructions_template")
	vars["name"] = `<script>alert(1)</script>`
	vars["domain_aliases"] = []string{`x"><script>alert(2)</script>@vc.example.com`}
	out, err := e.Render(context.Background(), "personal_vmr_instructions_template", d.PersonalVMRInstructionsTemplate, vars)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the default personal instructions contain no injected markup", func(t *testing.T) {
		if strings.Contains(out, "<script>") {
			t.Errorf("rendered %q", out)
		}
	})
}
