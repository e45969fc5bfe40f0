package infinitysync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/integration"
)

// remoteSet is everything read from Infinity, by kind and remote id.
type remoteSet map[string]map[int]*remoteObj

func (s *Service) query() url.Values {
	q := url.Values{}
	if s.cfg.PageSize > 0 {
		q.Set("limit", strconv.Itoa(s.cfg.PageSize))
	}
	return q
}

// readRemote lists every connector (domains nested) and every conference
// with an owner (aliases nested), page by page. Each page's decoded
// objects go as soon as their fields are encoded: only one page is ever
// held whole, however large the Management Node.
func (s *Service) readRemote(ctx context.Context, cl *infinity.Client, progress func(Progress)) (remoteSet, error) {
	set := remoteSet{KindIntegration: {}, KindPersonalVMR: {}}
	progress(Progress{Phase: "reading", Object: "integrations"})
	err := cl.EachConnectorPage(ctx, s.query(), func(page []infinity.Connector) error {
		for i := range page {
			c := &page[i]
			set[KindIntegration][c.ID] = &remoteObj{kind: KindIntegration, id: c.ID, name: c.Integration.Name,
				enc: integrationEncoded(&c.Integration), uuid: c.Integration.UUID}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	progress(Progress{Phase: "reading", Done: len(set[KindIntegration]), Object: "personal VMRs"})
	err = cl.EachConferencePage(ctx, s.query(), func(page []infinity.Conference) error {
		for i := range page {
			c := &page[i]
			if strings.TrimSpace(c.Conference.PrimaryOwnerEmailAddress) == "" {
				continue // not a personal VMR
			}
			set[KindPersonalVMR][c.ID] = &remoteObj{kind: KindPersonalVMR, id: c.ID, name: c.Conference.Name,
				enc: vmrEncoded(&c.Conference)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	progress(Progress{Phase: "reading", Done: len(set[KindIntegration]) + len(set[KindPersonalVMR])})
	return set, nil
}

func remoteIntegration(c *infinity.Connector) *remoteObj {
	return &remoteObj{kind: KindIntegration, id: c.ID, name: c.Integration.Name, vals: integrationValues(&c.Integration), conn: c}
}

func remoteVMR(c *infinity.Conference) *remoteObj {
	return &remoteObj{kind: KindPersonalVMR, id: c.ID, name: c.Conference.Name, vals: vmrValues(&c.Conference), confr: c}
}

func noProgress(Progress) {}

// shareBytes points each remote object unchanged since the last pull at
// its link's copy of the same bytes, so that only one stays in memory.
func shareBytes(snap *snapshot, remote remoteSet) {
	for _, l := range snap.links {
		if r := remote[l.Kind][l.RemoteID]; r != nil && l.RemoteID != 0 && bytes.Equal(r.enc, l.Remote) {
			r.enc = l.Remote
		}
	}
}

// Pull reads Infinity and brings the store in step: new objects created,
// unchanged ones updated, local edits kept with Infinity's other changes
// merged in field by field, conflicts recorded, deletions followed unless
// the object was edited here. All of it commits in one transaction.
func (s *Service) Pull(ctx context.Context, progress func(Progress)) (*Result, error) {
	if progress == nil {
		progress = noProgress
	}
	cl, err := s.Client(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.sameNode(ctx, cl.BaseURL()); err != nil {
		return nil, err
	}
	res := &Result{Conflicts: []Conflict{}, Failed: []Change{}, Changes: []Change{}}
	before := cl.Requests() // the client is kept across calls: count from here (a provisioning pass at the same time adds its own)
	remote, err := s.readRemote(ctx, cl, progress)
	res.Requests = cl.Requests() - before
	if err != nil {
		return nil, s.record(ctx, "pull", res, err)
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	shareBytes(snap, remote)
	total := len(remote[KindIntegration]) + len(remote[KindPersonalVMR])
	err = s.cfg.Repo.InTx(ctx, func(ctx context.Context) error {
		p := &puller{s: s, snap: snap, res: res, progress: progress, total: total}
		if err := p.run(ctx, remote); err != nil {
			return err
		}
		return s.cfg.Repo.SetNodeURL(ctx, cl.BaseURL())
	})
	if err != nil {
		*res = Result{Requests: res.Requests, Conflicts: []Conflict{}, Failed: []Change{}, Changes: []Change{}}
		return nil, s.record(ctx, "pull", res, err)
	}
	return res, s.record(ctx, "pull", res, nil)
}

// record writes the history row of a pull or push; cause is why it
// stopped, if it did. It returns cause (or the store's error).
func (s *Service) record(ctx context.Context, action string, res *Result, cause error) error {
	outcome := "ok"
	switch {
	case errors.Is(cause, context.Canceled):
		outcome = "cancelled"
	case cause != nil || len(res.Failed) > 0:
		outcome = "failed"
	case len(res.Conflicts) > 0:
		outcome = "conflicts"
	}
	summary := fmt.Sprintf("%d created, %d updated, %d deleted, %d taken from Infinity, %d unchanged, %d conflicts, %d failed",
		res.Created, res.Updated, res.Deleted, res.Taken, res.Unchanged, len(res.Conflicts), len(res.Failed))
	if cause != nil {
		summary = outcome + ": " + cause.Error() + " (" + summary + ")"
	}
	h := &HistoryRow{Time: s.cfg.Now(), Who: s.who(ctx), Action: action, Outcome: outcome, Summary: summary,
		Changes: append(append([]Change{}, res.Changes...), res.Failed...)}
	// Recorded even when ctx was cancelled: the history says so.
	if err := s.cfg.Repo.AddHistory(context.WithoutCancel(ctx), h); err != nil {
		return errors.Join(cause, err)
	}
	res.HistoryID = h.ID
	return cause
}

type puller struct {
	s        *Service
	snap     *snapshot
	res      *Result
	progress func(Progress)
	total    int
	done     int
	uuids    map[string]bool // local integrations' uuids, once needed
	// unfinished are links of a push that stopped before learning the
	// remote id, by local id.
	unfinished map[int64]*Link
	// toSave are links written since the last flush.
	toSave []*Link
}

// saveBatch is how many links a pull saves at once.
const saveBatch = 1000

// save queues l; it is written with its batch, in the pull's transaction.
func (p *puller) save(ctx context.Context, l *Link) error {
	p.toSave = append(p.toSave, l)
	if len(p.toSave) >= saveBatch {
		return p.flush(ctx)
	}
	return nil
}

// flush writes the queued links.
func (p *puller) flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := p.s.cfg.Repo.SaveLinks(ctx, p.toSave)
	p.toSave = p.toSave[:0]
	return err
}

func (p *puller) step(name string) error {
	p.done++
	if p.done%100 == 0 || p.done == p.total {
		p.progress(Progress{Phase: "writing", Done: p.done, Total: p.total, Object: name})
	}
	return nil
}

func (p *puller) run(ctx context.Context, remote remoteSet) error {
	byRemote := map[objKey]*Link{}
	for i := range p.snap.links {
		l := &p.snap.links[i]
		if l.RemoteID != 0 {
			byRemote[key(l.Kind, int64(l.RemoteID))] = l
		}
	}
	// Local objects that Infinity does not know by id yet: never pushed,
	// or a push stopped before it learned the id. One of the same name
	// there is taken as theirs.
	linked := p.snap.linked()
	byName := map[string]*local{}
	p.unfinished = map[int64]*Link{}
	for kind, m := range p.snap.locals {
		for _, lo := range m {
			if !linked[key(kind, lo.id)] {
				byName[kind+"/"+strings.ToLower(lo.name)] = lo
			}
		}
	}
	for i := range p.snap.links {
		l := &p.snap.links[i]
		if lo := p.snap.localOf(*l); lo != nil && l.RemoteID == 0 {
			byName[l.Kind+"/"+strings.ToLower(lo.name)] = lo
			p.unfinished[lo.id] = l
		}
	}
	for _, kind := range []string{KindIntegration, KindPersonalVMR} {
		for _, id := range sortedIDs(remote[kind]) {
			if err := ctx.Err(); err != nil {
				return err
			}
			r := remote[kind][id]
			l := byRemote[key(kind, int64(id))]
			var err error
			switch {
			case l == nil && byName[kind+"/"+strings.ToLower(r.name)] != nil:
				err = p.adopt(ctx, byName[kind+"/"+strings.ToLower(r.name)], r)
			case l == nil:
				err = p.create(ctx, r)
			default:
				err = p.merge(ctx, l, r)
			}
			if err != nil {
				return err
			}
			_ = p.step(r.name)
		}
		// Objects gone from Infinity; the links saved so far are written
		// first, so every write keeps its order.
		if err := p.flush(ctx); err != nil {
			return err
		}
		for i := range p.snap.links {
			l := &p.snap.links[i]
			if l.Kind != kind || l.RemoteID == 0 || remote[kind][l.RemoteID] != nil {
				continue
			}
			if err := p.gone(ctx, l); err != nil {
				return err
			}
		}
	}
	return p.flush(ctx)
}

// fail records an object that could not be written locally; a store
// error (not a refusal of the object) stops the pull.
func (p *puller) fail(kind, name string, err error) error {
	var iv *integration.ValidationError
	var cv *conference.ValidationError
	if !errors.As(err, &iv) && !errors.As(err, &cv) {
		return err
	}
	p.res.Failed = append(p.res.Failed, Change{Kind: kind, Name: bounded(name, 250), What: "failed", Error: bounded(err.Error(), 500)})
	return nil
}

// uuidTaken tells whether a local integration has uuid already (one
// copied from another Management Node, say): the new one then gets its own.
func (p *puller) uuidTaken(id string) bool {
	if p.uuids == nil {
		p.uuids = map[string]bool{}
		for _, lo := range p.snap.locals[KindIntegration] {
			p.uuids[strings.ToLower(lo.integ.UUID)] = true
		}
	}
	return p.uuids[strings.ToLower(id)]
}

func (p *puller) adopt(ctx context.Context, lo *local, r *remoteObj) error {
	l := &Link{Kind: r.kind, LocalID: lo.id}
	if u := p.unfinished[lo.id]; u != nil && u.Kind == r.kind {
		l = u
	}
	l.Name, l.RemoteID, l.Base, l.Remote, l.PushState, l.PushError = r.name, r.id, r.canon(), r.canon(), PushNone, ""
	if err := p.save(ctx, l); err != nil {
		return err
	}
	p.res.Changes = append(p.res.Changes, Change{Kind: r.kind, Name: r.name, What: "taken"})
	p.res.Taken++
	return nil
}

func (p *puller) create(ctx context.Context, r *remoteObj) error {
	var localID int64
	if r.kind == KindIntegration {
		in := integration.Defaults() // this product's own fields start at their defaults
		if err := apply(in, r.values(), integrationFields()); err != nil {
			return p.fail(r.kind, r.name, err)
		}
		if _, err := uuid.Parse(r.uuid); err == nil && !p.uuidTaken(r.uuid) {
			in.UUID = r.uuid // one identity on both sides
		}
		in.SecretsStored = nil
		saved, err := p.s.cfg.Integrations.Create(ctx, &integration.Input{Integration: in})
		if err != nil {
			return p.fail(r.kind, r.name, err)
		}
		localID = saved.Integration.ID
	} else {
		// Decoded straight from the encoded fields: on an empty conference
		// that is what apply does, without its three JSON round trips.
		c := &conference.Conference{}
		if err := json.Unmarshal(r.canon(), c); err != nil {
			return p.fail(r.kind, r.name, err)
		}
		if err := p.s.cfg.Conferences.Create(ctx, c); err != nil {
			return p.fail(r.kind, r.name, err)
		}
		localID = c.ID
	}
	l := &Link{Kind: r.kind, LocalID: localID, Name: r.name, RemoteID: r.id, Base: r.canon(), Remote: r.canon()}
	if err := p.save(ctx, l); err != nil {
		return err
	}
	p.res.Created++
	p.res.Changes = append(p.res.Changes, Change{Kind: r.kind, Name: r.name, What: "created"})
	return nil
}

// merge brings one linked object in step: fields unchanged here take
// Infinity's value, fields changed here stay, fields changed on both sides
// to different values stay and are conflicts.
func (p *puller) merge(ctx context.Context, l *Link, r *remoteObj) error {
	lo := p.snap.localOf(*l)
	rc := r.canon()
	if lo == nil { // deleted here: the push deletes it there
		if bytes.Equal(rc, l.Remote) {
			return nil // already known
		}
		l.Remote = rc
		return p.save(ctx, l)
	}
	// Nothing changed on either side since the last sync (the common
	// case): the encoded fields say so without looking at any of them.
	if l.Name == lo.name && bytes.Equal(lo.enc, l.Base) && bytes.Equal(rc, l.Base) && bytes.Equal(rc, l.Remote) {
		p.res.Unchanged++
		return nil
	}
	base, rv, lv := decodeValues(l.Base), r.values(), lo.values()
	newBase := values{}
	for k, v := range rv {
		newBase[k] = v
	}
	take := values{}
	var taken []string
	for _, f := range fieldsOf(l.Kind) {
		switch side(lv[f], base[f], rv[f]) {
		case SideInfinity:
			take[f] = rv[f]
			taken = append(taken, f)
		case SideConflict:
			newBase[f] = base[f] // stays a conflict until resolved
			p.res.Conflicts = append(p.res.Conflicts, Conflict{Kind: l.Kind, Name: lo.name, Field: f, Here: display(lv[f]), Infinity: display(rv[f])})
		}
	}
	if len(taken) > 0 {
		if err := p.s.writeLocal(ctx, lo, take); err != nil {
			return p.fail(l.Kind, lo.name, err)
		}
		p.res.Updated++
		p.res.Changes = append(p.res.Changes, Change{Kind: l.Kind, Name: lo.name, What: "updated", Fields: taken})
	} else {
		p.res.Unchanged++
	}
	nb := encodeValues(newBase)
	if l.Name == lo.name && bytes.Equal(nb, l.Base) && bytes.Equal(rc, l.Remote) {
		return nil // nothing new: an unchanged pull writes nothing
	}
	l.Name, l.Base, l.Remote = lo.name, nb, rc
	return p.save(ctx, l)
}

// gone handles an object deleted on Infinity: deleted here too unless it
// was edited here, which keeps it (a push would create it again).
func (p *puller) gone(ctx context.Context, l *Link) error {
	lo := p.snap.localOf(*l)
	if lo == nil {
		return p.s.cfg.Repo.DeleteLink(ctx, l.ID)
	}
	if base := decodeValues(l.Base); len(compareFields(fieldsOf(l.Kind), lo.values(), base, base)) > 0 {
		l.Remote = nil
		if err := p.save(ctx, l); err != nil {
			return err
		}
		p.res.Changes = append(p.res.Changes, Change{Kind: l.Kind, Name: lo.name, What: "kept",
			Error: "deleted on Infinity but changed here: kept; push creates it again, or delete it here"})
		return nil
	}
	var err error
	if l.Kind == KindIntegration {
		err = p.s.cfg.Integrations.Delete(ctx, lo.integ.UUID)
	} else {
		err = p.s.cfg.Conferences.Delete(ctx, strconv.FormatInt(lo.id, 10))
	}
	if err != nil {
		return p.fail(l.Kind, lo.name, err)
	}
	if err := p.s.cfg.Repo.DeleteLink(ctx, l.ID); err != nil {
		return err
	}
	p.res.Deleted++
	p.res.Changes = append(p.res.Changes, Change{Kind: l.Kind, Name: lo.name, What: "deleted"})
	return nil
}

// writeLocal overlays v onto the local object and saves it through its
// service (validation included), keeping lo up to date.
func (s *Service) writeLocal(ctx context.Context, lo *local, v values) error {
	if lo.kind == KindIntegration {
		in := lo.integ.Clone()
		if err := apply(in, v, integrationFields()); err != nil {
			return err
		}
		saved, err := s.cfg.Integrations.Update(ctx, &integration.Input{Integration: in})
		if err != nil {
			return err
		}
		lo.integ, lo.name, lo.enc = saved.Integration, saved.Integration.Name, integrationEncoded(saved.Integration)
		return nil
	}
	c := *lo.conf
	c.Aliases = append([]conference.Alias(nil), lo.conf.Aliases...)
	if err := apply(&c, v, vmrFields); err != nil {
		return err
	}
	if err := s.cfg.Conferences.Update(ctx, &c); err != nil {
		return err
	}
	lo.conf, lo.name, lo.enc = &c, c.Name, vmrEncoded(&c)
	return nil
}

func sortedIDs(m map[int]*remoteObj) []int {
	out := make([]int, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// bounded cuts text from Infinity (names, messages quoting its values) to
// n characters.
func bounded(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
