package infinitytest

import (
	"fmt"
	"maps"
)

// Seed stores objects of resource directly, without HTTP and without
// validation (benchmarks seed tens of thousands), over the resource's
// defaults, and returns their ids. A relation is given as a URI.
func (s *Server) Seed(resource string, objs ...map[string]any) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := schemas[resource]; !ok {
		panic(fmt.Sprintf("infinitytest: Seed: no resource %q", resource))
	}
	now := s.opts.Now().UTC().Format("2006-01-02T15:04:05.000000")
	ids := make([]int, 0, len(objs))
	for _, o := range objs {
		s.nextID[resource]++
		id := s.nextID[resource]
		obj := defaults(resource, id, now)
		maps.Copy(obj, o)
		obj["id"], obj["resource_uri"] = id, uri(resource, id)
		s.data[resource][id] = obj
		s.secret[resource][id] = map[string]string{}
		ids = append(ids, id)
	}
	s.gen++
	return ids
}

// SeedConnector stores a connector with its domains and returns its id.
func (s *Server) SeedConnector(fields map[string]any, domains ...string) int {
	id := s.Seed("ms_exchange_connector", fields)[0]
	for _, d := range domains {
		s.Seed("exchange_domain", map[string]any{"domain": d, "exchange_connector": uri("ms_exchange_connector", id)})
	}
	return id
}

// SeedConference stores a conference with its aliases and returns its id.
func (s *Server) SeedConference(fields map[string]any, aliases ...string) int {
	id := s.Seed("conference", fields)[0]
	for _, a := range aliases {
		s.Seed("conference_alias", map[string]any{"alias": a, "conference": uri("conference", id)})
	}
	return id
}

// Edit sets fields of object id as an admin on Infinity would (tests
// of changes made there); false when there is no such object.
func (s *Server) Edit(resource string, id int, fields map[string]any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, ok := s.data[resource][id]
	if !ok {
		return false
	}
	maps.Copy(obj, fields)
	s.gen++
	return true
}

// Remove deletes object id and its children, as an admin on Infinity would.
func (s *Server) Remove(resource string, id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(resource, id)
}
