package desktop

import (
	"context"
	"fmt"
	"os"
	"strings"

	"vmr-companion/backend/conference"
)

// VMRService lets admins manage personal VMRs from the window.
type VMRService struct {
	ctx     context.Context
	backend *conference.Service
	dialogs dialogs
}

// VMRImport tells what a CSV import did; Cancelled when the dialog was closed.
type VMRImport struct {
	Cancelled bool                     `json:"cancelled"`
	File      string                   `json:"file"`
	Created   []*conference.Conference `json:"created"`
}

// List returns the VMRs, only the owner's when owner is set.
func (s *VMRService) List(owner string) ([]*conference.Conference, error) {
	return s.backend.List(s.ctx, owner)
}

// Create saves a new VMR.
func (s *VMRService) Create(v conference.Conference) (*conference.Conference, error) {
	v.ID = 0
	if err := s.backend.Create(s.ctx, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Update saves changes to a VMR.
func (s *VMRService) Update(v conference.Conference) (*conference.Conference, error) {
	if err := s.backend.Update(s.ctx, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Delete removes a VMR by id.
func (s *VMRService) Delete(id int64) error {
	return s.backend.Delete(s.ctx, fmt.Sprint(id))
}

// ImportCSVFile asks for a CSV file and imports every VMR in it, or none.
func (s *VMRService) ImportCSVFile() (*VMRImport, error) {
	path, err := s.dialogs.Open(s.ctx, "Import VMRs from CSV", "csv")
	if err != nil || path == "" {
		return &VMRImport{Cancelled: path == ""}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("desktop: reading %s: %w", path, err)
	}
	if info.Size() > conference.MaxCSVBytes {
		return nil, fmt.Errorf("desktop: %s is larger than %d MB: split it into smaller files", path, conference.MaxCSVBytes>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("desktop: reading %s: %w", path, err)
	}
	created, err := s.backend.ImportCSV(s.ctx, strings.NewReader(string(data)))
	if err != nil {
		return nil, err
	}
	return &VMRImport{File: path, Created: created}, nil
}
