package infinitytest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
)

// New returns a fake Management Node that the caller serves (serve --demo
// runs it on a loopback port with the local CA's certificate); Start is
// the one for tests.
func New(opts Options) *Server { return newServer(opts) }

// state is what Save writes: every object, the write-only secrets beside
// them (the fake is a stand-in, so its file is as private as the demo's
// data folder) and the next id of each resource.
type state struct {
	Data   map[string]map[int]map[string]any    `json:"data"`
	Secret map[string]map[int]map[string]string `json:"secret"`
	NextID map[string]int                       `json:"next_id"`
}

// Save writes the objects, so that a later Load continues with the same
// ids (a store synced with the fake still matches it).
func (s *Server) Save(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.NewEncoder(w).Encode(state{Data: s.data, Secret: s.secret, NextID: s.nextID})
}

// Load replaces the objects with those Save wrote. Resources the file
// does not name stay empty; resources the fake does not know are refused.
func (s *Server) Load(r io.Reader) error {
	var st state
	if err := json.NewDecoder(io.LimitReader(r, 256<<20)).Decode(&st); err != nil {
		return fmt.Errorf("reading the fake Management Node's state: %w", err)
	}
	for resource, objs := range st.Data {
		if _, ok := schemas[resource]; !ok {
			return fmt.Errorf("reading the fake Management Node's state: unknown resource %q", resource)
		}
		for id, obj := range objs {
			// JSON numbers come back as float64; the fake keeps ids as int.
			obj["id"] = id
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for resource := range schemas {
		s.data[resource] = map[int]map[string]any{}
		s.secret[resource] = map[int]map[string]string{}
		maps.Copy(s.data[resource], st.Data[resource])
		maps.Copy(s.secret[resource], st.Secret[resource])
	}
	s.nextID = map[string]int{}
	maps.Copy(s.nextID, st.NextID)
	return nil
}
