package infinitytest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// list answers {"meta": {...}, "objects": [...]}: ordered by id, filtered
// by Django-style lookups, a page of limit (default_limit when absent)
// from offset, with next/previous as relative URIs that keep the filters.
func (s *Server) list(w http.ResponseWriter, r *http.Request, resource string) {
	q := r.URL.Query()
	limit, offset := s.opts.DefaultLimit, 0
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit <= 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "limit must be a positive whole number"})
			return
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "offset must be a whole number ≥ 0"})
			return
		}
	}
	filtered := false
	for k := range q {
		filtered = filtered || k != "limit" && k != "offset" && k != "format"
	}
	var matched []map[string]any
	for _, id := range s.sortedIDs(resource) {
		if !filtered { // every object: no need to look at any
			matched = append(matched, s.data[resource][id])
			continue
		}
		ok, msg := matches(resource, s.data[resource][id], q)
		if msg != "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
			return
		}
		if ok {
			matched = append(matched, s.data[resource][id])
		}
	}
	objects := []any{}
	for i := offset; i < len(matched) && i < offset+limit; i++ {
		objects = append(objects, s.render(resource, matched[i]))
	}
	page := func(off int) any {
		if off < 0 || off >= len(matched) || (off == offset) {
			return nil
		}
		p := url.Values{}
		for k, v := range q {
			p[k] = v
		}
		p.Set("limit", strconv.Itoa(limit))
		p.Set("offset", strconv.Itoa(off))
		return ConfigPath + resource + "/?" + p.Encode()
	}
	prev := any(nil)
	if offset > 0 {
		prev = page(max(0, offset-limit))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"meta": map[string]any{"limit": limit, "offset": offset, "total_count": len(matched),
			"next": page(offset + limit), "previous": prev},
		"objects": objects,
	})
}

var lookups = []string{"exact", "iexact", "contains", "icontains", "startswith", "endswith", "lt", "lte", "gt", "gte"}

// matches applies every filter of q to obj; msg names a filter the
// resource does not offer.
func matches(resource string, obj map[string]any, q url.Values) (bool, string) {
	for key, vals := range q {
		if key == "limit" || key == "offset" || key == "format" {
			continue
		}
		name, op, _ := strings.Cut(key, "__")
		if op == "" {
			op = "exact"
		}
		f, known := schemas[resource][name]
		if (!known && name != "id" && name != "creation_time") || f.kind == kSecret || f.kind == kRefs || !slices.Contains(lookups, op) {
			return false, fmt.Sprintf("The %q filter is not allowed on %s.", key, resource)
		}
		have := fmt.Sprint(obj[name])
		want := vals[len(vals)-1]
		if f.kind == kRef { // a relation filters by id or URI
			have, want = strconv.Itoa(uriID(fmt.Sprint(obj[name]), f.ref)), strings.TrimSuffix(strings.TrimPrefix(want, ConfigPath+f.ref+"/"), "/")
		}
		if f.kind == kTime { // compared as the fake writes times
			if t, msg := f.check(want, nil); msg == "" {
				want = t.(string)
			}
		}
		if !compare(op, have, want) {
			return false, ""
		}
	}
	return true, ""
}

func compare(op, have, want string) bool {
	lh, lw := strings.ToLower(have), strings.ToLower(want)
	switch op {
	case "exact":
		return have == want
	case "iexact":
		return lh == lw
	case "contains":
		return strings.Contains(have, want)
	case "icontains":
		return strings.Contains(lh, lw)
	case "startswith":
		return strings.HasPrefix(have, want)
	case "endswith":
		return strings.HasSuffix(have, want)
	}
	// lt, lte, gt, gte: numbers as numbers, the rest (times) as text.
	hn, e1 := strconv.Atoi(have)
	wn, e2 := strconv.Atoi(want)
	c := strings.Compare(have, want)
	if e1 == nil && e2 == nil {
		c = hn - wn
	}
	switch op {
	case "lt":
		return c < 0
	case "lte":
		return c <= 0
	case "gt":
		return c > 0
	}
	return c >= 0
}
