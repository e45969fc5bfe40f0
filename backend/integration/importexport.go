package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"

	"vmr-companion/backend/problem"
)

// ImportResult tells what an import created.
type ImportResult struct {
	Created  []Summary         `json:"created"`
	Warnings map[int][]Warning `json:"warnings"`
	// Unknown fields that were ignored, by object index.
	Unknown map[int][]string `json:"unknown_fields,omitempty"`
}

// Import creates every integration of a document (one object, an array, or
// an API list response), or none: all objects are checked first and every
// problem is reported by index and field.
func (s *Service) Import(ctx context.Context, data []byte) (*ImportResult, error) {
	items, err := SplitBatch(data)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errors.New("integration: the import holds no integrations")
	}
	batch := &BatchError{}
	inputs := make([]*Input, len(items))
	res := &ImportResult{Warnings: map[int][]Warning{}, Unknown: map[int][]string{}}
	names, uuids := map[string]int{}, map[string]int{}
	for i, raw := range items {
		in, err := Decode(Defaults(), raw, true)
		if err != nil {
			p := BatchProblem{Index: i, Name: peekName(raw)}
			var verr *ValidationError
			if errors.As(err, &verr) {
				p.Fields, p.FieldErrors = verr.Fields, verr.FieldErrors
			} else {
				p.Error = err.Error()
			}
			batch.Problems = append(batch.Problems, p)
			continue
		}
		it := in.Integration
		if it.UUID == "" {
			it.UUID = uuid.NewString()
		}
		verr := &ValidationError{}
		if err := Validate(it); err != nil {
			verr = err.(*ValidationError)
		}
		s.checkTemplates(verr, it)
		p := BatchProblem{Index: i, Name: it.Name, Fields: verr.Fields, FieldErrors: verr.FieldErrors}
		if _, err := uuid.Parse(it.UUID); err != nil {
			p.set("uuid", problem.NotUUID.Errorf(problem.Args(it.UUID), "%q is not a UUID", it.UUID))
		}
		key := strings.ToLower(it.Name)
		if j, dup := names[key]; dup && key != "" {
			p.set("name", problem.NameInImport.Errorf(problem.Args(it.Name, j), "the name %q is also used by object %d of this import", it.Name, j))
		}
		if j, dup := uuids[it.UUID]; dup {
			p.set("uuid", problem.UUIDInImport.Errorf(problem.Args(it.UUID, j), "uuid %s is also used by object %d of this import", it.UUID, j))
		}
		names[key], uuids[it.UUID] = i, i
		if len(p.Fields) > 0 {
			batch.Problems = append(batch.Problems, p)
		}
		inputs[i] = in
		if len(in.Unknown) > 0 {
			res.Unknown[i] = in.Unknown
		}
	}
	if err := s.checkTaken(ctx, inputs, batch); err != nil {
		return nil, err
	}
	if len(batch.Problems) > 0 {
		sort.Slice(batch.Problems, func(a, b int) bool { return batch.Problems[a].Index < batch.Problems[b].Index })
		return nil, batch
	}
	return s.createAll(ctx, inputs, res)
}

// checkTaken reports names and uuids of the batch that the store already has.
func (s *Service) checkTaken(ctx context.Context, inputs []*Input, batch *BatchError) error {
	var names, ids []string
	for _, in := range inputs {
		if in != nil {
			names = append(names, in.Integration.Name)
			ids = append(ids, in.Integration.UUID)
		}
	}
	takenNames, takenUUIDs, err := s.repo.Taken(ctx, names, ids, "")
	if err != nil {
		return err
	}
	for i, in := range inputs {
		if in == nil {
			continue
		}
		it := in.Integration
		found := BatchProblem{Index: i, Name: it.Name}
		for _, n := range takenNames {
			if strings.EqualFold(n, it.Name) {
				found.set("name", problem.NameExists.Errorf(problem.Args(it.Name),
					"an integration named %q already exists: rename it in the file or delete the existing one", it.Name))
			}
		}
		if contains(takenUUIDs, it.UUID) {
			found.set("uuid", problem.UUIDExists.Errorf(problem.Args(it.UUID), "uuid %s already belongs to an integration here", it.UUID))
		}
		if len(found.Fields) == 0 {
			continue
		}
		merged := false
		for k := range batch.Problems {
			if batch.Problems[k].Index == i {
				for f, fe := range found.FieldErrors {
					batch.Problems[k].set(f, fe)
				}
				merged = true
			}
		}
		if !merged {
			batch.Problems = append(batch.Problems, found)
		}
	}
	return nil
}

func (s *Service) createAll(ctx context.Context, inputs []*Input, res *ImportResult) (*ImportResult, error) {
	var undos []func(context.Context) error
	undoAll := func() error {
		var errs []error
		for i := len(undos) - 1; i >= 0; i-- {
			errs = append(errs, undos[i](ctx))
		}
		return errors.Join(errs...)
	}
	all := make([]*Integration, len(inputs))
	for i, in := range inputs {
		if len(in.Secrets) > 0 {
			undo, err := s.writeSecrets(ctx, in.Integration.UUID, in.Secrets)
			if err != nil {
				return nil, errors.Join(fmt.Errorf("integration: nothing was imported: object %d: %w", i, err), undoAll())
			}
			undos = append(undos, undo)
		}
		in.Integration.SecretsStored = storedAfter(in)
		all[i] = in.Integration
	}
	if err := s.repo.Create(ctx, all); err != nil {
		return nil, errors.Join(fmt.Errorf("integration: nothing was imported: %w", err), undoAll())
	}
	for i, it := range all {
		res.Created = append(res.Created, it.Summarize())
		if w := s.warnings(it, it.SecretsStored); len(w) > 0 {
			res.Warnings[i] = w
		}
	}
	return res, nil
}

func peekName(raw json.RawMessage) string {
	var p struct {
		Name any `json:"name"`
	}
	_ = json.Unmarshal(raw, &p)
	if n, ok := p.Name.(string); ok {
		return n
	}
	return ""
}

// ExportDocument is the API list shape Infinity uses, so exports re-import
// there and here alike.
type ExportDocument struct {
	Meta    ExportMeta     `json:"meta"`
	Objects []*Integration `json:"objects"`
}

// ExportMeta mirrors the list metadata of Infinity's management API.
type ExportMeta struct {
	Limit      int     `json:"limit"`
	Next       *string `json:"next"`
	Offset     int     `json:"offset"`
	Previous   *string `json:"previous"`
	TotalCount int     `json:"total_count"`
}

// Export returns the named integrations (all when refs is empty). Secrets
// are never part of an export.
func (s *Service) Export(ctx context.Context, refs []string) (*ExportDocument, error) {
	if len(refs) == 0 {
		list, err := s.repo.List(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range list {
			refs = append(refs, l.UUID)
		}
	}
	doc := &ExportDocument{Objects: []*Integration{}}
	for _, r := range refs {
		it, err := s.Get(ctx, r)
		if err != nil {
			return nil, err
		}
		doc.Objects = append(doc.Objects, it)
	}
	doc.Meta = ExportMeta{Limit: len(doc.Objects), TotalCount: len(doc.Objects)}
	return doc, nil
}
