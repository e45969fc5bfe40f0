package templates

import "testing"

// Every variable the services pass has a sample, so every preview shows
// all of them.
func TestEveryVariableHasASample(t *testing.T) {
	for field, names := range variables {
		vars := SampleVars(field)
		for _, name := range names {
			if _, ok := vars[name]; !ok || samples[name] == nil {
				t.Errorf("%s: no sample for %q", field, name)
			}
		}
		if len(vars) != len(names) {
			t.Errorf("%s: samples %v for variables %v", field, vars, names)
		}
	}
	if len(SampleVars("no_such_template")) != 0 || Variables("no_such_template") != nil {
		t.Error("an unknown field has variables")
	}
}
