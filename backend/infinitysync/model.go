package infinitysync

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/integration"
)

// values are an object's synced fields by name, each as compact JSON;
// lists (domains, aliases) sorted, so order alone is no change.
type values map[string]json.RawMessage

// integrationFields are the integration fields synced with Infinity: the
// writable ones of ms_exchange_connector (no secret, none of this
// product's own, nothing Infinity sets) and the domains.
var integrationFields = sync.OnceValue(func() []string {
	var out []string
	for _, f := range infinity.InfinityFields() {
		if !f.ReadOnly {
			out = append(out, f.Name)
		}
	}
	return append(out, "domains")
})

// vmrFields are the conference fields both models share.
var vmrFields = []string{"name", "description", "aliases", "pin", "guest_pin", "allow_guests", "primary_owner_email_address"}

func fieldsOf(kind string) []string {
	if kind == KindIntegration {
		return integrationFields()
	}
	return vmrFields
}

// pick is obj's JSON object reduced to names.
func pick(obj any, names []string) values {
	data, err := json.Marshal(obj)
	if err != nil {
		panic(err) // the models always encode
	}
	all := map[string]json.RawMessage{}
	_ = json.Unmarshal(data, &all)
	out := values{}
	for _, n := range names {
		v, ok := all[n]
		if !ok {
			v = json.RawMessage("null")
		}
		out[n] = v
	}
	return out
}

// encoded is obj's JSON object reduced to names (sorted) as
// encodeValues(pick(obj, names)) writes it, without the map in between:
// json.Marshal's values are compact and escaped already, and encodeValues
// sorts the keys, so joining them in order gives the same bytes.
func encoded(obj any, sortedNames []string) json.RawMessage {
	data, err := json.Marshal(obj)
	if err != nil {
		panic(err) // the models always encode
	}
	all := map[string]json.RawMessage{}
	_ = json.Unmarshal(data, &all)
	size := 2
	for _, n := range sortedNames {
		size += len(n) + 4 + max(len(all[n]), 4) // "n":v, and null when missing
	}
	out := make([]byte, 0, size) // exact: tens of thousands are kept
	out = append(out, '{')
	for i, n := range sortedNames {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(append(append(out, '"'), n...), '"') // names are plain identifiers
		out = append(out, ':')
		if v, ok := all[n]; ok {
			out = append(out, v...)
		} else {
			out = append(out, "null"...)
		}
	}
	return append(out, '}')
}

var (
	sortedIntegrationFields = sync.OnceValue(func() []string { return slices.Sorted(slices.Values(integrationFields())) })
	sortedVMRFields         = slices.Sorted(slices.Values(vmrFields))
)

func integrationValues(in *integration.Integration) values {
	return pick(integrationSorted(in), integrationFields())
}

// integrationEncoded is encodeValues(integrationValues(in)).
func integrationEncoded(in *integration.Integration) json.RawMessage {
	return encoded(integrationSorted(in), sortedIntegrationFields())
}

func integrationSorted(in *integration.Integration) *integration.Integration {
	c := in.Clone()
	c.Domains = sortedFold(c.Domains)
	return c
}

func vmrValues(c *conference.Conference) values {
	return pick(vmrSorted(c), vmrFields)
}

// vmrEncoded is encodeValues(vmrValues(c)).
func vmrEncoded(c *conference.Conference) json.RawMessage {
	return encoded(vmrSorted(c), sortedVMRFields)
}

func vmrSorted(c *conference.Conference) conference.Conference {
	cc := *c
	cc.Aliases = slices.Clone(c.Aliases)
	if cc.Aliases == nil {
		cc.Aliases = []conference.Alias{}
	}
	slices.SortFunc(cc.Aliases, func(a, b conference.Alias) int {
		return cmp.Compare(strings.ToLower(a.Alias), strings.ToLower(b.Alias))
	})
	return cc
}

func sortedFold(list []string) []string {
	out := slices.Clone(list)
	if out == nil {
		out = []string{}
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// apply overlays v's fields named in names onto obj (a pointer to a model).
func apply(obj any, v values, names []string) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	all := map[string]json.RawMessage{}
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for _, n := range names {
		if x, ok := v[n]; ok {
			all[n] = x
		}
	}
	data, err = json.Marshal(all)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, obj)
}

func decodeValues(raw json.RawMessage) values {
	if raw == nil {
		return nil
	}
	v := values{}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	return v
}

func encodeValues(v values) json.RawMessage {
	if v == nil {
		return nil
	}
	data, _ := json.Marshal(v)
	return data
}

// side is a field's three-way comparison; "" when unchanged.
func side(local, base, remote json.RawMessage) string {
	lc, rc := !bytes.Equal(local, base), !bytes.Equal(remote, base)
	switch {
	case !lc && !rc:
		return ""
	case lc && !rc:
		return SideHere
	case !lc && rc:
		return SideInfinity
	case bytes.Equal(local, remote):
		return SideBoth
	}
	return SideConflict
}

// compareFields is the field-by-field diff of one object.
func compareFields(names []string, local, base, remote values) []FieldDiff {
	var out []FieldDiff
	for _, n := range names {
		if sd := side(local[n], base[n], remote[n]); sd != "" {
			out = append(out, FieldDiff{Field: n, Side: sd, Here: display(local[n]), Infinity: display(remote[n]), Base: display(base[n])})
		}
	}
	return out
}

// display is a value as text: JSON (with <, > and & as themselves, so a
// terminal shows what the field holds; the window decodes it), bounded so
// that one huge template does not flood a terminal.
func display(v json.RawMessage) string {
	if v == nil {
		return ""
	}
	s := string(v)
	var val any
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber() // numbers as written, not as float64
	if dec.Decode(&val) == nil {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(val) == nil {
			s = strings.TrimSuffix(b.String(), "\n")
		}
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// local is one local object.
type local struct {
	kind string
	id   int64
	name string
	// enc is the synced fields as encodeValues writes them: one slice, not
	// a map per object, and comparable with a link's Base as it is.
	enc   json.RawMessage
	integ *integration.Integration
	conf  *conference.Conference
}

// values is lo's fields, decoded afresh (only objects that changed need them).
func (lo *local) values() values { return decodeValues(lo.enc) }

// remoteObj is one object read from Infinity.
type remoteObj struct {
	kind string
	id   int
	name string
	// vals are the fields of an object read alone (a push's re-read);
	// enc alone those of a listing (see local.enc).
	vals values
	enc  json.RawMessage
	uuid string // a connector's
	// The objects as read, for a push's domains and aliases; nil after a
	// listing.
	conn  *infinity.Connector
	confr *infinity.Conference
}

// values is r's fields.
func (r *remoteObj) values() values {
	if r.vals != nil {
		return r.vals
	}
	return decodeValues(r.enc)
}

// canon is r's fields as encodeValues writes them.
func (r *remoteObj) canon() json.RawMessage {
	if r.enc != nil {
		return r.enc
	}
	return encodeValues(r.vals)
}

// snapshot is the store's side: every local object and link.
type snapshot struct {
	locals map[string]map[int64]*local // kind → id
	links  []Link
}

// objKey names one object of a kind (a local id or a remote one).
type objKey struct {
	kind string
	id   int64
}

func key(kind string, id int64) objKey { return objKey{kind, id} }

func (s *Service) snapshot(ctx context.Context) (*snapshot, error) {
	snap := &snapshot{locals: map[string]map[int64]*local{KindIntegration: {}, KindPersonalVMR: {}}}
	sums, err := s.cfg.Integrations.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, sum := range sums {
		in, err := s.cfg.Integrations.Get(ctx, sum.UUID)
		if err != nil {
			return nil, err
		}
		snap.locals[KindIntegration][in.ID] = &local{kind: KindIntegration, id: in.ID, name: in.Name, enc: integrationEncoded(in), integ: in}
	}
	confs, err := s.cfg.Conferences.List(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, c := range confs {
		if c.PrimaryOwnerEmailAddress == "" {
			continue // single-use VMRs are the scheduler's, not synced
		}
		snap.locals[KindPersonalVMR][c.ID] = &local{kind: KindPersonalVMR, id: c.ID, name: c.Name, enc: vmrEncoded(c), conf: c}
	}
	if snap.links, err = s.cfg.Repo.Links(ctx); err != nil {
		return nil, err
	}
	// An object unchanged since the last sync shares its link's bytes
	// rather than holding a copy of its own.
	for _, l := range snap.links {
		if lo := snap.localOf(l); lo != nil && bytes.Equal(lo.enc, l.Base) {
			lo.enc = l.Base
		}
	}
	return snap, nil
}

// linked tells which local objects have a link.
func (snap *snapshot) linked() map[objKey]bool {
	m := map[objKey]bool{}
	for _, l := range snap.links {
		if l.LocalID != 0 {
			m[key(l.Kind, l.LocalID)] = true
		}
	}
	return m
}

// localOf is the link's local object, nil when deleted here.
func (snap *snapshot) localOf(l Link) *local {
	if l.LocalID == 0 {
		return nil
	}
	return snap.locals[l.Kind][l.LocalID]
}

// objectDiff compares one object; remote nil means gone on Infinity,
// lo nil deleted here.
func objectDiff(kind string, lo *local, l *Link, remote values, remoteID int, remoteName string) ObjectDiff {
	d := ObjectDiff{Kind: kind, RemoteID: remoteID}
	if lo != nil {
		d.LocalID, d.Name = lo.id, lo.name
	} else if l != nil {
		d.Name = l.Name
	} else {
		d.Name = remoteName
	}
	var base values
	if l != nil {
		base = decodeValues(l.Base)
	}
	switch {
	case l == nil && lo != nil:
		d.State = StateCreatedHere
	case l == nil || l.RemoteID == 0 && lo != nil:
		if lo != nil {
			d.State = StateCreatedHere
		} else {
			d.State = StateCreatedThere
		}
	case lo == nil && remote == nil:
		d.State = StateUnchanged // gone on both sides: the link only waits to be dropped
	case lo == nil:
		d.State = StateDeletedHere
		for _, f := range compareFields(fieldsOf(kind), base, base, remote) {
			f.Side, f.Here = SideConflict, "(deleted here)"
			d.Fields = append(d.Fields, f)
		}
	case remote == nil:
		d.State = StateDeletedThere
		d.Fields = compareFields(fieldsOf(kind), lo.values(), base, base)
	default:
		d.Fields = compareFields(fieldsOf(kind), lo.values(), base, remote)
		d.State = StateUnchanged
		if len(d.Fields) > 0 {
			d.State = StateChanged
		}
	}
	return d
}

// pending tells whether a push has something to send for d.
func pending(d ObjectDiff) bool {
	switch d.State {
	case StateCreatedHere, StateDeletedHere:
		return true
	case StateChanged, StateDeletedThere:
		for _, f := range d.Fields {
			if f.Side != SideInfinity {
				return true
			}
		}
	}
	return false
}

// offline is every object's diff against Infinity as last seen.
func (snap *snapshot) offline() []ObjectDiff {
	var out []ObjectDiff
	for _, l := range snap.links {
		lo := snap.localOf(l)
		out = append(out, objectDiff(l.Kind, lo, &l, decodeValues(l.Remote), l.RemoteID, ""))
	}
	linked := snap.linked()
	for _, kind := range []string{KindIntegration, KindPersonalVMR} {
		for _, lo := range sortedLocals(snap.locals[kind]) {
			if !linked[key(kind, lo.id)] {
				out = append(out, objectDiff(kind, lo, nil, nil, 0, ""))
			}
		}
	}
	return out
}

func sortedLocals(m map[int64]*local) []*local {
	out := make([]*local, 0, len(m))
	for _, lo := range m {
		out = append(out, lo)
	}
	slices.SortFunc(out, func(a, b *local) int { return cmp.Compare(a.id, b.id) })
	return out
}
