package infinitytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// children are the to-many relations read back nested: the parent field,
// the child resource and the child's field pointing at the parent.
var children = map[string]struct{ field, child, fk string }{
	"ms_exchange_connector": {"domains", "exchange_domain", "exchange_connector"},
	"conference":            {"aliases", "conference_alias", "conference"},
}

// owned are the objects deleted with the object they point at through a
// required relation (they cannot outlive it); nulled are those whose
// nullable relation is cleared instead.
var (
	owned = map[string][]struct{ child, fk string }{
		"ms_exchange_connector": {{"exchange_domain", "exchange_connector"}},
		"conference": {{"conference_alias", "conference"}, {"scheduled_conference", "conference"},
			{"recurring_conference", "conference"}},
	}
	nulled = map[string][]struct{ child, fk string }{
		"ms_exchange_connector": {{"scheduled_alias", "exchange_connector"}},
		"scheduled_alias":       {{"scheduled_conference", "scheduled_alias"}, {"recurring_conference", "scheduled_alias"}},
		"recurring_conference":  {{"scheduled_conference", "recurring_conference"}},
	}
)

// unique is the field whose value no two objects of a resource share
// (a dialled alias leads to one service; not stated for scheduled_alias
// in the reference, assumed).
var unique = map[string]string{"ms_exchange_connector": "name", "conference": "name", "scheduled_alias": "alias"}

func (s *Server) config(w http.ResponseWriter, r *http.Request, body []byte) {
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, ConfigPath), "/"), "/")
	resource := parts[0]
	schema, ok := schemas[resource]
	if !ok || len(parts) > 2 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such resource"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(parts) == 2 && parts[1] == "schema" {
		writeJSON(w, http.StatusOK, map[string]any{"default_limit": s.opts.DefaultLimit, "fields": slices.Sorted(maps.Keys(schema))})
		return
	}
	if len(parts) == 1 {
		switch r.Method {
		case http.MethodGet:
			s.list(w, r, resource)
		case http.MethodPost:
			s.write(w, resource, 0, body, true)
		default:
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
		}
		return
	}
	id, err := strconv.Atoi(parts[1])
	obj, found := s.data[resource][id]
	if err != nil || !found {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.render(resource, obj))
	case http.MethodPatch:
		s.write(w, resource, id, body, false)
	case http.MethodPut:
		s.write(w, resource, id, body, true)
	case http.MethodDelete:
		s.remove(resource, id)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
	}
}

// write validates body and creates (id 0) or updates object id. full is a
// POST or PUT: required fields must be there.
func (s *Server) write(w http.ResponseWriter, resource string, id int, body []byte, full bool) {
	var in map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil || in == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "The body must be a JSON object."})
		return
	}
	schema := schemas[resource]
	errs := map[string][]string{}
	vals, secrets := map[string]any{}, map[string]string{}
	refOK := func(res string, rid int) bool {
		if _, modelled := s.data[res]; !modelled {
			return true // IVR themes, IdP groups: not held by the fake
		}
		_, ok := s.data[res][rid]
		return ok
	}
	for k, v := range in {
		f, known := schema[k]
		switch {
		case k == "id" || k == "resource_uri" || k == "creation_time" || (known && f.kind == kReadOnly):
			continue // Infinity sets these
		case !known:
			errs[k] = []string{"Unknown field."}
			continue
		}
		val, msg := f.check(v, refOK)
		if msg != "" {
			errs[k] = []string{msg}
		} else if f.kind == kSecret {
			secrets[k] = val.(string)
		} else {
			vals[k] = val
		}
	}
	if full {
		for k, f := range schema {
			if _, ok := in[k]; f.required && !ok {
				errs[k] = append(errs[k], "This field is required.")
			}
		}
	}
	if u := unique[resource]; u != "" {
		if n, ok := vals[u].(string); ok && len(errs[u]) == 0 {
			for oid, o := range s.data[resource] {
				if oid != id && o[u] == n {
					errs[u] = []string{fmt.Sprintf("A %s with this %s already exists.", resource, u)}
				}
			}
		}
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{resource: errs})
		return
	}
	obj, isNew := s.data[resource][id], id == 0
	if isNew {
		s.nextID[resource]++
		id = s.nextID[resource]
		obj = defaults(resource, id, s.opts.Now().UTC().Format("2006-01-02T15:04:05.000000"))
		s.data[resource][id] = obj
		s.secret[resource][id] = map[string]string{}
	}
	for k, v := range vals {
		if schema[k].kind == kRefs {
			s.adopt(resource, id, v.([]any))
			continue
		}
		obj[k] = v
	}
	maps.Copy(s.secret[resource][id], secrets)
	s.gen++
	if isNew {
		// POST answers with the new object's URI in Location.
		w.Header().Set("Location", s.URL+uri(resource, id))
		w.WriteHeader(http.StatusCreated)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// adopt points the children listed (URIs, already checked) at parent id,
// as writing a to-many relation does.
func (s *Server) adopt(resource string, id int, list []any) {
	rel := children[resource]
	for _, e := range list {
		if cid := uriID(e.(string), rel.child); cid > 0 {
			s.data[rel.child][cid][rel.fk] = uri(resource, id)
		}
	}
}

func defaults(resource string, id int, now string) map[string]any {
	obj := map[string]any{}
	for k, f := range schemas[resource] {
		switch {
		case f.kind == kReadOnly || f.kind == kSecret || f.kind == kRefs:
		case f.def != nil:
			obj[k] = f.def
		case f.nullable || f.kind == kRef:
			obj[k] = nil
		case f.kind == kBool:
			obj[k] = false
		case f.kind == kInt:
			obj[k] = 0
		default:
			obj[k] = ""
		}
	}
	if resource == "ms_exchange_connector" {
		obj["uuid"] = uuid.NewString()
	}
	obj["id"], obj["resource_uri"], obj["creation_time"] = id, uri(resource, id), now
	return obj
}

func uri(resource string, id int) string { return ConfigPath + resource + "/" + strconv.Itoa(id) + "/" }

// render is an object as a GET answers it: secrets left out, to-many
// relations nested.
func (s *Server) render(resource string, obj map[string]any) map[string]any {
	out := maps.Clone(obj)
	if resource == "conference" {
		list := []any{}
		for _, cid := range s.childIDs("scheduled_conference", "conference")[uri(resource, obj["id"].(int))] {
			list = append(list, uri("scheduled_conference", cid))
		}
		out["scheduled_conferences"], out["scheduled_conferences_count"] = list, len(list)
	}
	if rel, ok := children[resource]; ok {
		nested := []any{}
		for _, cid := range s.childIDs(rel.child, rel.fk)[uri(resource, obj["id"].(int))] {
			nested = append(nested, s.render(rel.child, s.data[rel.child][cid]))
		}
		out[rel.field] = nested
	}
	return out
}

// remove deletes an object and the children pointing at it.
func (s *Server) remove(resource string, id int) {
	s.gen++
	delete(s.data[resource], id)
	delete(s.secret[resource], id)
	for _, rel := range owned[resource] {
		for cid, c := range s.data[rel.child] {
			if c[rel.fk] == uri(resource, id) {
				s.remove(rel.child, cid)
			}
		}
	}
	for _, rel := range nulled[resource] {
		for _, c := range s.data[rel.child] {
			if c[rel.fk] == uri(resource, id) {
				c[rel.fk] = nil
			}
		}
	}
}

// Secret returns a write-only field as stored (tests check what was sent).
func (s *Server) Secret(resource string, id int, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.secret[resource][id][name]
}

// Object returns object id of resource as a GET would answer it, or nil.
func (s *Server) Object(resource string, id int) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.data[resource][id]
	if !ok {
		return nil
	}
	return s.render(resource, o)
}

// Count is how many objects of resource there are.
func (s *Server) Count(resource string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data[resource])
}

// fresh drops the indexes after a write.
func (s *Server) fresh() {
	if s.index == nil || s.indexGen != s.gen {
		s.index, s.sorted, s.indexGen = map[string]map[string][]int{}, map[string][]int{}, s.gen
	}
}

// sortedIDs are resource's ids in order, sorted once per write: a listing
// of 50,000 objects in pages of 500 must not sort them for every page.
func (s *Server) sortedIDs(resource string) []int {
	s.fresh()
	ids, ok := s.sorted[resource]
	if !ok {
		ids = slices.Sorted(maps.Keys(s.data[resource]))
		s.sorted[resource] = ids
	}
	return ids
}

// childIDs indexes child objects by the URI of their parent, rebuilt only
// after a write: rendering 50,000 conferences must not scan every alias
// for each.
func (s *Server) childIDs(child, fk string) map[string][]int {
	s.fresh()
	if m, ok := s.index[child]; ok {
		return m
	}
	m := map[string][]int{}
	for _, cid := range slices.Sorted(maps.Keys(s.data[child])) {
		p := fmt.Sprint(s.data[child][cid][fk])
		m[p] = append(m[p], cid)
	}
	s.index[child] = m
	return m
}
