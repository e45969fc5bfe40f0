package desktop

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// IntegrationService is what the window calls to manage integrations. Each
// method checks its input, calls the backend once and maps the result.
type IntegrationService struct {
	ctx     context.Context
	backend *integration.Service
	dialogs dialogs
}

// Detail is one integration as the form edits it, with its warnings.
type Detail struct {
	Integration map[string]any        `json:"integration"`
	Warnings    []integration.Warning `json:"warnings"`
}

// ImportOutcome tells the window what an import did; Cancelled when the
// user closed the file dialog.
type ImportOutcome struct {
	Cancelled bool                      `json:"cancelled"`
	File      string                    `json:"file"`
	Result    *integration.ImportResult `json:"result"`
}

// Schema describes the form: groups and fields in order.
func (s *IntegrationService) Schema() integration.Schema { return integration.Describe() }

// Defaults returns the values of a new integration.
func (s *IntegrationService) Defaults() (map[string]any, error) {
	return toMap(integration.Defaults())
}

// List returns every integration, by name.
func (s *IntegrationService) List() ([]integration.Summary, error) {
	return s.backend.List(s.ctx)
}

// Get returns one integration by uuid or name, with its warnings.
func (s *IntegrationService) Get(ref string) (*Detail, error) {
	it, err := s.backend.Get(s.ctx, ref)
	if err != nil {
		return nil, err
	}
	report, err := s.backend.Check(s.ctx, &integration.Input{Integration: it})
	if err != nil {
		return nil, err
	}
	return detail(it, report.Warnings)
}

// Check validates the form as saving would, without saving. uuid is empty
// for a new integration.
func (s *IntegrationService) Check(uuid string, values map[string]any, secretValues map[string]string) (integration.Report, error) {
	in, err := s.input(uuid, values, secretValues, nil)
	if err != nil {
		if report, ok := reportOf(err); ok {
			return report, nil
		}
		return integration.Report{}, err
	}
	return s.backend.Check(s.ctx, in)
}

// Create saves a new integration; secret values go to the keychain.
func (s *IntegrationService) Create(values map[string]any, secretValues map[string]string) (*Detail, error) {
	in, err := s.input("", values, secretValues, nil)
	if err != nil {
		return nil, err
	}
	saved, err := s.backend.Create(s.ctx, in)
	if err != nil {
		return nil, err
	}
	return detail(saved.Integration, saved.Warnings)
}

// Update saves changes. Secret values given replace the stored ones; the
// fields in clearSecrets are removed from the keychain.
func (s *IntegrationService) Update(uuid string, values map[string]any, secretValues map[string]string, clearSecrets []string) (*Detail, error) {
	if uuid == "" {
		return nil, fmt.Errorf("desktop: no integration chosen to update")
	}
	in, err := s.input(uuid, values, secretValues, clearSecrets)
	if err != nil {
		return nil, err
	}
	saved, err := s.backend.Update(s.ctx, in)
	if err != nil {
		return nil, err
	}
	return detail(saved.Integration, saved.Warnings)
}

// Delete removes an integration and its keychain entries.
func (s *IntegrationService) Delete(uuid string) error {
	return s.backend.Delete(s.ctx, uuid)
}

// ImportText imports integrations from pasted JSON.
func (s *IntegrationService) ImportText(text string) (*integration.ImportResult, error) {
	return s.backend.Import(s.ctx, []byte(text))
}

// ImportFile asks for a JSON file and imports it.
func (s *IntegrationService) ImportFile() (*ImportOutcome, error) {
	path, err := s.dialogs.Open(s.ctx, "Import integrations", "json")
	if err != nil || path == "" {
		return &ImportOutcome{Cancelled: path == ""}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("desktop: reading %s: %w", path, err)
	}
	if info.Size() > integration.MaxImportBytes {
		return nil, fmt.Errorf("desktop: %s is %.1f MB; the limit is %d MB: split it into smaller files", path, float64(info.Size())/1e6, integration.MaxImportBytes>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("desktop: reading %s: %w", path, err)
	}
	res, err := s.backend.Import(s.ctx, data)
	if err != nil {
		return nil, err
	}
	return &ImportOutcome{File: path, Result: res}, nil
}

// ExportFile asks where to save and writes the chosen integrations (all when
// none are chosen) as JSON, without secrets. It returns the file written, or
// "" when the user cancelled.
func (s *IntegrationService) ExportFile(uuids []string) (string, error) {
	doc, err := s.backend.Export(s.ctx, uuids)
	if err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", fmt.Errorf("desktop: encoding the export: %w", err)
	}
	path, err := s.dialogs.Save(s.ctx, "Export integrations", "integrations.json", "json")
	if err != nil || path == "" {
		return "", err
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("desktop: %w", err)
	}
	return path, nil
}

// input turns form values into a backend input: JSON first, so the backend's
// per-field decoding and messages apply to the window as to the command line.
func (s *IntegrationService) input(uuid string, values map[string]any, secretValues map[string]string, clearSecrets []string) (*integration.Input, error) {
	data, err := json.Marshal(values)
	if err != nil {
		return nil, fmt.Errorf("desktop: encoding the form: %w", err)
	}
	var in *integration.Input
	if uuid == "" {
		in, err = s.backend.DecodeNew(data)
	} else {
		in, err = s.backend.DecodeChange(s.ctx, uuid, data)
	}
	if err != nil {
		return nil, err
	}
	for field, value := range secretValues {
		if value == "" {
			continue // an empty write-only box means "leave as it is"
		}
		if err := integration.ValidateSecret(field, value); err != nil {
			return nil, err
		}
		in.Secrets[field] = secrets.New(value)
	}
	for _, field := range clearSecrets {
		if err := integration.ValidateSecret(field, ""); err != nil {
			return nil, err
		}
		in.Secrets[field] = secrets.Secret{}
	}
	return in, nil
}

func reportOf(err error) (integration.Report, bool) {
	verr, ok := err.(*integration.ValidationError)
	if !ok {
		return integration.Report{}, false
	}
	return integration.Report{Errors: verr.Fields, FieldErrors: verr.FieldErrors, Warnings: []integration.Warning{}}, true
}

func detail(it *integration.Integration, warnings []integration.Warning) (*Detail, error) {
	m, err := toMap(it)
	if err != nil {
		return nil, err
	}
	if warnings == nil {
		warnings = []integration.Warning{}
	}
	return &Detail{Integration: m, Warnings: warnings}, nil
}

func toMap(it *integration.Integration) (map[string]any, error) {
	data, err := json.Marshal(it)
	if err != nil {
		return nil, fmt.Errorf("desktop: encoding integration: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("desktop: encoding integration: %w", err)
	}
	return m, nil
}
