package infinitysync

import (
	"bytes"
	"context"
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
// with an owner (aliases nested), page by page.
func (s *Service) readRemote(ctx context.Context, cl *infinity.Client, progress func(Progress)) (remoteSet, error) {
	progress(Progress{Phase: "reading", Object: "integrations"})
	conns, err := cl.ListConnectors(ctx, s.query())
	if err != nil {
		return nil, err
	}
	progress(Progress{Phase: "reading", Done: len(conns), Object: "personal VMRs"})
	confs, err := cl.ListConferences(ctx, s.query())
	if err != nil {
		return nil, err
	}
	set := remoteSet{KindIntegration: {}, KindPersonalVMR: {}}
	// Only the values are kept: the decoded objects go (50,000 of them).
	for i := range conns {
		o := remoteIntegration(&conns[i])
		o.uuid, o.conn = conns[i].Integration.UUID, nil
		set[KindIntegration][o.id] = o
	}
	for i := range confs {
		if strings.TrimSpace(confs[i].Conference.PrimaryOwnerEmailAddress) == "" {
			continue // not a personal VMR
		}
		o := remoteVMR(&confs[i])
		o.confr = nil
		set[KindPersonalVMR][o.id] = o
	}
	progress(Progress{Phase: "reading", Done: len(conns) + len(set[KindPersonalVMR])})
	return set, nil
}

func remoteIntegration(c *infinity.Connector) *remoteObj {
	return &remoteObj{kind: KindIntegration, id: c.ID, name: c.Integration.Name, vals: integrationValues(&c.Integration), conn: c}
}

func remoteVMR(c *infinity.Conference) *remoteObj {
	return &remoteObj{kind: KindPersonalVMR, id: c.ID, name: c.Conference.Name, vals: vmrValues(&c.Conference), confr: c}
}

func noProgress(Progress) {}

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
	remote, err := s.readRemote(ctx, cl, progress)
	res.Requests = cl.Requests()
	if err != nil {
		return nil, s.record(ctx, "pull", res, err)
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
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
}

func (p *puller) step(name string) error {
	p.done++
	if p.done%100 == 0 || p.done == p.total {
		p.progress(Progress{Phase: "writing", Done: p.done, Total: p.total, Object: name})
	}
	return nil
}

func (p *puller) run(ctx context.Context, remote remoteSet) error {
	byRemote := map[string]*Link{}
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
		// Objects gone from Infinity.
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
	return nil
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
	l.Name, l.RemoteID, l.Base, l.Remote, l.PushState, l.PushError = r.name, r.id, encodeValues(r.vals), encodeValues(r.vals), PushNone, ""
	if err := p.s.cfg.Repo.SaveLink(ctx, l); err != nil {
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
		if err := apply(in, r.vals, integrationFields()); err != nil {
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
		c := &conference.Conference{}
		if err := apply(c, r.vals, vmrFields); err != nil {
			return p.fail(r.kind, r.name, err)
		}
		if err := p.s.cfg.Conferences.Create(ctx, c); err != nil {
			return p.fail(r.kind, r.name, err)
		}
		localID = c.ID
	}
	l := &Link{Kind: r.kind, LocalID: localID, Name: r.name, RemoteID: r.id, Base: encodeValues(r.vals), Remote: encodeValues(r.vals)}
	if err := p.s.cfg.Repo.SaveLink(ctx, l); err != nil {
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
	base := decodeValues(l.Base)
	lo := p.snap.localOf(*l)
	newBase := values{}
	for k, v := range r.vals {
		newBase[k] = v
	}
	if lo == nil { // deleted here: the push deletes it there
		l.Remote = encodeValues(r.vals)
		return p.s.cfg.Repo.SaveLink(ctx, l)
	}
	take := values{}
	var taken []string
	for _, f := range fieldsOf(l.Kind) {
		switch side(lo.vals[f], base[f], r.vals[f]) {
		case SideInfinity:
			take[f] = r.vals[f]
			taken = append(taken, f)
		case SideConflict:
			newBase[f] = base[f] // stays a conflict until resolved
			p.res.Conflicts = append(p.res.Conflicts, Conflict{Kind: l.Kind, Name: lo.name, Field: f, Here: display(lo.vals[f]), Infinity: display(r.vals[f])})
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
	nb, nr := encodeValues(newBase), encodeValues(r.vals)
	if l.Name == lo.name && bytes.Equal(nb, l.Base) && bytes.Equal(nr, l.Remote) {
		return nil // nothing new: an unchanged pull writes nothing
	}
	l.Name, l.Base, l.Remote = lo.name, nb, nr
	return p.s.cfg.Repo.SaveLink(ctx, l)
}

// gone handles an object deleted on Infinity: deleted here too unless it
// was edited here, which keeps it (a push would create it again).
func (p *puller) gone(ctx context.Context, l *Link) error {
	lo := p.snap.localOf(*l)
	if lo == nil {
		return p.s.cfg.Repo.DeleteLink(ctx, l.ID)
	}
	if len(compareFields(fieldsOf(l.Kind), lo.vals, decodeValues(l.Base), decodeValues(l.Base))) > 0 {
		l.Remote = nil
		if err := p.s.cfg.Repo.SaveLink(ctx, l); err != nil {
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
		lo.integ, lo.name, lo.vals = saved.Integration, saved.Integration.Name, integrationValues(saved.Integration)
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
	lo.conf, lo.name, lo.vals = &c, c.Name, vmrValues(&c)
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
