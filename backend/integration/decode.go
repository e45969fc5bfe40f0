package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	"vmr-companion/backend/problem"
	"vmr-companion/backend/secrets"
)

// jsonIndex maps each JSON field name of Integration to its struct field.
var jsonIndex = func() map[string][]int {
	m := map[string][]int{}
	t := reflect.TypeOf(Integration{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = t.Field(i).Index
		}
	}
	return m
}()

// Ignored on input: assigned here, or only meaningful on the system that
// exported the object.
var assignedFields = map[string]bool{"id": true, "resource_uri": true, "created_at": true, "updated_at": true, "secrets_stored": true}

// placeholder is what secrets.Secret prints and marshals to.
var placeholder = secrets.New("x").String()

// Input is a decoded integration object: the non-secret fields applied onto
// a base, the secrets given, and what was set.
type Input struct {
	Integration *Integration
	// Secrets given in the object, by field name; an empty value clears.
	Secrets map[string]secrets.Secret
	// Set lists the JSON fields the object carried.
	Set []string
	// Unknown lists fields this product does not know; they are ignored.
	Unknown []string
}

// Decode reads one JSON object onto a copy of base (Defaults() for new
// integrations, the stored integration for updates). Every field is decoded
// on its own, so all type errors come back at once in a *ValidationError.
// Read-only fields are kept from base unless allowReadOnly (imports carry
// them from the exporting system).
func Decode(base *Integration, data []byte, allowReadOnly bool) (*Input, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(blankBOM(data)))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("integration: not a JSON object: %w", describeJSONError(err))
	}
	if raw == nil {
		return nil, errors.New("integration: expected a JSON object, got null")
	}
	// Decode reads one value; whatever follows it would be lost silently.
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("integration: unexpected data after the JSON object at byte %d: give one object (import reads several)", dec.InputOffset())
	}
	return decodeFields(base, raw, allowReadOnly)
}

func decodeFields(base *Integration, raw map[string]json.RawMessage, allowReadOnly bool) (*Input, error) {
	out := &Input{Integration: base.Clone(), Secrets: map[string]secrets.Secret{}}
	v := &ValidationError{}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		value := raw[name]
		if assignedFields[name] {
			continue
		}
		if IsSecret(name) {
			f, _ := FieldByName(name)
			if f.ReadOnly && !allowReadOnly {
				v.put(name, problem.ReadOnlySecret.Errorf(problem.Args(f.Label), "%s is read-only: it is obtained by signing in, not typed in", f.Label))
				continue
			}
			var s *string
			if err := json.Unmarshal(value, &s); err != nil {
				v.put(name, problem.NotText.Errorf(problem.Args(f.Label), "%s must be text", f.Label))
				continue
			}
			if s != nil && *s == placeholder {
				// What a printed or marshalled Secret shows; storing it
				// would replace the real secret with the placeholder.
				v.put(name, problem.SecretShown.Errorf(problem.Args(f.Label, placeholder), "%s is the placeholder %s, not a value: leave the field out to keep the stored secret", f.Label, placeholder))
				continue
			}
			if s != nil {
				if err := ValidateSecret(name, *s); err != nil {
					v.merge(err.(*ValidationError))
					continue
				}
				out.Secrets[name] = secrets.New(*s)
			}
			out.Set = append(out.Set, name)
			continue
		}
		f, known := FieldByName(name)
		idx, inStruct := jsonIndex[name]
		if !known || !inStruct {
			out.Unknown = append(out.Unknown, name)
			continue
		}
		if f.ReadOnly && !allowReadOnly {
			continue
		}
		target := reflect.ValueOf(out.Integration).Elem().FieldByIndex(idx)
		if err := decodeValue(target, f, value); err != nil {
			if fe, ok := fieldError(err); ok {
				v.put(name, fe)
			} else {
				v.add(name, "%s", err.Error())
			}
			continue
		}
		out.Set = append(out.Set, name)
	}
	if len(v.Fields) > 0 {
		// Report the rule problems of the fields that did decode too, so
		// one round trip shows everything to fix.
		if err := Validate(out.Integration); err != nil {
			v.merge(err.(*ValidationError))
		}
		return nil, v
	}
	if out.Integration.Domains == nil {
		out.Integration.Domains = []string{}
	}
	return out, nil
}

// decodeValue sets one field from its JSON, with a message naming what was
// expected. A JSON null leaves a text field empty and keeps the default of
// a number or switch, as Infinity's exports use null loosely.
func decodeValue(target reflect.Value, f Field, value json.RawMessage) error {
	if bytes.Equal(bytes.TrimSpace(value), []byte("null")) {
		switch target.Kind() {
		case reflect.Pointer:
			target.SetZero()
		case reflect.String:
			target.SetString("")
		case reflect.Slice:
			target.Set(reflect.ValueOf([]string{}))
		}
		return nil
	}
	if f.Kind == KindList {
		list, err := decodeDomains(value)
		if err != nil {
			return err
		}
		target.Set(reflect.ValueOf(list))
		return nil
	}
	ptr := reflect.New(target.Type())
	if err := json.Unmarshal(value, ptr.Interface()); err != nil {
		switch f.Kind {
		case KindInt:
			return problem.NotWholeNumber.Errorf(problem.Args(f.Label), "%s must be a whole number", f.Label)
		case KindBool:
			return problem.NotBool.Errorf(problem.Args(f.Label), "%s must be true or false", f.Label)
		default:
			return problem.NotText.Errorf(problem.Args(f.Label), "%s must be text", f.Label)
		}
	}
	target.Set(ptr.Elem())
	return nil
}

// decodeDomains accepts a list of names, or of objects with a "domain" key
// as Infinity's exchange_domain resources have.
func decodeDomains(value json.RawMessage) ([]string, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(value, &items); err != nil {
		return nil, problem.NotDomainList.Errorf(problem.Args(label("domains")), "%s must be a list of domain names", label("domains"))
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		var s string
		if json.Unmarshal(item, &s) == nil {
			out = append(out, strings.TrimSpace(s))
			continue
		}
		var obj struct {
			Domain *string `json:"domain"`
		}
		if json.Unmarshal(item, &obj) == nil && obj.Domain != nil {
			out = append(out, strings.TrimSpace(*obj.Domain))
			continue
		}
		return nil, problem.EntryNotName.Errorf(problem.Args(label("domains"), i+1), "%s: entry %d must be a domain name", label("domains"), i+1)
	}
	return out, nil
}

// blankBOM turns a leading UTF-8 byte order mark (Windows editors write
// one) into spaces, so the JSON reads and error offsets still count from
// the start of the file.
func blankBOM(data []byte) []byte {
	if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return data
	}
	out := bytes.Clone(data)
	copy(out, "   ")
	return out
}

// describeJSONError turns encoding/json errors into text with a position.
func describeJSONError(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("%s at byte %d", syn.Error(), syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("found a JSON %s where an object was expected", typ.Value)
	}
	if errors.Is(err, io.EOF) {
		return errors.New("the input is empty")
	}
	return err
}

// BatchError reports problems of a batch (an import) by object index.
type BatchError struct {
	Problems []BatchProblem `json:"problems"`
}

// BatchProblem is what is wrong with one object of a batch; Index counts from 0.
type BatchProblem struct {
	Index  int               `json:"index"`
	Name   string            `json:"name,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
	// FieldErrors are Fields with their codes, for the window to translate.
	FieldErrors map[string]problem.FieldError `json:"field_errors,omitempty"`
	Error       string                        `json:"error,omitempty"`
}

// set records field's problem, replacing one found earlier.
func (p *BatchProblem) set(field string, fe problem.FieldError) {
	if p.Fields == nil {
		p.Fields = map[string]string{}
	}
	if p.FieldErrors == nil {
		p.FieldErrors = map[string]problem.FieldError{}
	}
	p.Fields[field], p.FieldErrors[field] = fe.Message, fe
}

func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "integration: %d of the objects are invalid; nothing was imported", len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  object %d", p.Index)
		if p.Name != "" {
			fmt.Fprintf(&b, " (%q)", p.Name)
		}
		if p.Error != "" {
			fmt.Fprintf(&b, ": %s", p.Error)
		}
		keys := make([]string, 0, len(p.Fields))
		for k := range p.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "\n    %s: %s", k, p.Fields[k])
		}
	}
	return b.String()
}

// MaxImportBytes bounds an import so a wrong file cannot exhaust memory.
const MaxImportBytes = 8 << 20

// SplitBatch reads an import document: one object, an array of objects, or an
// API list response {"meta": …, "objects": […]}.
func SplitBatch(data []byte) ([]json.RawMessage, error) {
	if len(data) > MaxImportBytes {
		return nil, fmt.Errorf("integration: the import is %.1f MB; the limit is %d MB: split it into smaller files", float64(len(data))/1e6, MaxImportBytes>>20)
	}
	data = blankBOM(data)
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("integration: the import is empty: give a JSON object, an array of objects, or an API list response")
	}
	var probe any
	// data, not trimmed: the byte offset of an error must count from the
	// start of the file.
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("integration: the import is not valid JSON: %w", describeJSONError(err))
	}
	switch p := probe.(type) {
	case []any:
		var items []json.RawMessage
		_ = json.Unmarshal(trimmed, &items)
		return items, nil
	case map[string]any:
		if objs, ok := p["objects"]; ok {
			if _, isList := objs.([]any); !isList {
				return nil, errors.New(`integration: "objects" must be a list of integrations`)
			}
			var list struct {
				Objects []json.RawMessage `json:"objects"`
			}
			_ = json.Unmarshal(trimmed, &list)
			return list.Objects, nil
		}
		return []json.RawMessage{json.RawMessage(trimmed)}, nil
	default:
		return nil, errors.New("integration: the import must be a JSON object, an array of objects, or an API list response")
	}
}
