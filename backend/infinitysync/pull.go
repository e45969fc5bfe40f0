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

// DefaultChunkSize is how many objects a pull writes per transaction.
const DefaultChunkSize = 500

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
// the object was edited here or is in use. It commits chunk by chunk
// (Config.ChunkSize objects, each chunk all or nothing), so that the
// scheduler and the policy's log do not wait on one long transaction; a
// pull that stops keeps the chunks it committed, and the next one carries
// on from the links they made.
func (s *Service) Pull(ctx context.Context, progress func(Progress)) (*Result, error) {
	ctx, cl, progress, unlock, err := s.begin(ctx, progress)
	if err != nil {
		return nil, err
	}
	defer unlock()
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
	p := &puller{s: s, snap: snap, res: res, progress: progress, total: total}
	if err := p.run(ctx, remote, cl.BaseURL()); err != nil {
		if c := context.Cause(ctx); c != nil && errors.Is(err, context.Canceled) {
			err = c // the lease was lost, say so
		}
		err = fmt.Errorf("%w (stopped after writing %d of %d objects: those stay, and the next pull carries on)", err, p.committed, total)
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
	// adopted are the local objects a remote one was linked to in this
	// pull (kind/local id → the remote name): one each.
	adopted map[objKey]string
	// names are the local objects' names (kind/lower case), once needed.
	names map[string]bool
	// committed counts the objects of committed chunks.
	committed int
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

// work is one object's share of a pull.
type work struct {
	kind, name string
	do         func(ctx context.Context) error
}

func (p *puller) run(ctx context.Context, remote remoteSet, nodeURL string) error {
	byRemote := map[objKey]*Link{}
	for i := range p.snap.links {
		l := &p.snap.links[i]
		if l.RemoteID != 0 {
			byRemote[key(l.Kind, int64(l.RemoteID))] = l
		}
	}
	// Local objects that Infinity does not know by id yet: never pushed,
	// or a push stopped before it learned the id. One of the same name
	// there is met: taken as ours when our push made it, otherwise linked
	// with an empty base, so that every field that differs is a conflict.
	linked := p.snap.linked()
	byName := map[string]*local{}
	p.unfinished = map[int64]*Link{}
	p.adopted = map[objKey]string{}
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
	var todo []work
	for _, kind := range []string{KindIntegration, KindPersonalVMR} {
		for _, id := range sortedIDs(remote[kind]) {
			r := remote[kind][id]
			l := byRemote[key(kind, int64(id))]
			var do func(ctx context.Context) error
			switch lo := byName[kind+"/"+strings.ToLower(r.name)]; {
			case l == nil && lo != nil:
				do = func(ctx context.Context) error { return p.adopt(ctx, lo, r) }
			case l == nil:
				do = func(ctx context.Context) error { return p.create(ctx, r) }
			default:
				do = func(ctx context.Context) error { return p.merge(ctx, l, r) }
			}
			todo = append(todo, work{kind: kind, name: r.name, do: do})
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
			todo = append(todo, work{kind: kind, name: l.Name, do: func(ctx context.Context) error { return p.gone(ctx, l) }})
		}
	}
	// Chunks of at most ChunkSize objects of one kind: the integrations',
	// then the personal VMRs'.
	chunks := [][]work{nil}
	for i, w := range todo {
		if last := chunks[len(chunks)-1]; len(last) == p.s.cfg.ChunkSize || i > 0 && todo[i-1].kind != w.kind {
			chunks = append(chunks, nil)
		}
		chunks[len(chunks)-1] = append(chunks[len(chunks)-1], w)
	}
	for n, chunk := range chunks {
		saved := p.res.clone()
		err := p.s.cfg.Repo.InTx(ctx, func(ctx context.Context) error {
			if n == 0 {
				if err := p.s.cfg.Repo.SetNodeURL(ctx, nodeURL); err != nil {
					return err
				}
			}
			for _, w := range chunk {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := w.do(ctx); err != nil {
					return err
				}
				_ = p.step(w.name)
			}
			return p.flush(ctx) // the chunk's links, in its transaction
		})
		if err != nil {
			p.toSave = p.toSave[:0]
			*p.res = *saved // the chunk wrote nothing
			return err
		}
		p.committed += len(chunk)
		p.progress(Progress{Phase: "writing", Done: p.committed, Total: p.total})
	}
	return nil
}

// clone copies r, so that a chunk that fails can be taken back.
func (r *Result) clone() *Result {
	c := *r
	c.Conflicts = slices.Clone(r.Conflicts)
	c.Failed = slices.Clone(r.Failed)
	c.Changes = slices.Clone(r.Changes)
	return &c
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

// adopt links a remote object to the unlinked local one of the same
// name. Taken as ours only when our own push recorded its intent to create
// it and stopped before learning the id; any other is someone else's
// object met by name: linked with an empty base, so that nothing is
// overwritten on either side and each field that differs is a conflict
// for the admin. A conference owned by someone else is never linked.
func (p *puller) adopt(ctx context.Context, lo *local, r *remoteObj) error {
	k := key(lo.kind, lo.id)
	if other, ok := p.adopted[k]; ok {
		p.clash(r, fmt.Sprintf("Infinity has another %s named %q (this one is %q): the one here is linked to that; rename one of them on Infinity", r.kind, other, r.name))
		return nil
	}
	if msg := ownerClash(lo, r); msg != "" {
		p.clash(r, msg)
		return nil
	}
	lo, err := p.s.reread(ctx, lo)
	if err != nil || lo == nil {
		return err // deleted here meanwhile: the next pull creates it
	}
	p.adopted[k] = r.name
	l := &Link{Kind: r.kind, LocalID: lo.id}
	u := p.unfinished[lo.id]
	if u != nil && u.Kind == r.kind {
		// Our push made it: what is here is what was meant to be there.
		l = u
		l.Name, l.RemoteID, l.Base, l.Remote, l.PushState, l.PushError = r.name, r.id, r.canon(), r.canon(), PushNone, ""
		if err := p.save(ctx, l); err != nil {
			return err
		}
		p.res.Changes = append(p.res.Changes, Change{Kind: r.kind, Name: r.name, What: "taken"})
		p.res.Taken++
		return nil
	}
	// The base is Infinity's object without the fields that differ here:
	// those are conflicts until the admin resolves them.
	base := values{}
	rv := r.values()
	for k, v := range rv {
		base[k] = v
	}
	var fields []string
	for _, f := range compareFields(fieldsOf(r.kind), lo.values(), values{}, rv) {
		if f.Side == SideConflict {
			delete(base, f.Field)
			fields = append(fields, f.Field)
			p.res.Conflicts = append(p.res.Conflicts, Conflict{Kind: r.kind, Name: lo.name, Field: f.Field, Here: f.Here, Infinity: f.Infinity})
		}
	}
	l.Name, l.RemoteID, l.Base, l.Remote = lo.name, r.id, encodeValues(base), r.canon()
	if err := p.save(ctx, l); err != nil {
		return err
	}
	p.res.Changes = append(p.res.Changes, Change{Kind: r.kind, Name: lo.name, What: "linked", Fields: fields,
		Error: "made here and on Infinity separately: linked by name; resolve each field that differs"})
	return nil
}

// clash records a remote object that cannot be linked to the local one of
// its name; the rest of the pull goes on.
func (p *puller) clash(r *remoteObj, msg string) {
	p.res.Changes = append(p.res.Changes, Change{Kind: r.kind, Name: bounded(r.name, 250), What: "clash", Error: bounded(msg, 500)})
}

// ownerClash is why a conference on Infinity must not be linked to the
// local personal VMR of its name: it has no owner, or another one.
func ownerClash(lo *local, r *remoteObj) string {
	if lo.kind != KindPersonalVMR {
		return ""
	}
	var owner string
	_ = json.Unmarshal(r.values()["primary_owner_email_address"], &owner)
	switch {
	case strings.TrimSpace(owner) == "":
		return fmt.Sprintf("Infinity has a conference named %q that is not a personal VMR (no owner): rename the one here or there", r.name)
	case !strings.EqualFold(strings.TrimSpace(owner), strings.TrimSpace(lo.conf.PrimaryOwnerEmailAddress)):
		return fmt.Sprintf("Infinity has a personal VMR named %q owned by %s, not %s: rename the one here or there", r.name, bounded(owner, 254), lo.conf.PrimaryOwnerEmailAddress)
	}
	return ""
}

func (p *puller) create(ctx context.Context, r *remoteObj) error {
	if p.names == nil {
		p.names = map[string]bool{}
		for kind, m := range p.snap.locals {
			for _, lo := range m {
				p.names[kind+"/"+strings.ToLower(lo.name)] = true
			}
		}
	}
	if p.names[r.kind+"/"+strings.ToLower(r.name)] {
		p.clash(r, fmt.Sprintf("a %s named %q (in another case) is here already, linked to another object on Infinity: rename one of them on Infinity", r.kind, r.name))
		return nil
	}
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
	p.names[r.kind+"/"+strings.ToLower(r.name)] = true
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
// to different values stay and are conflicts. The local object is read
// again in the write transaction before anything is taken, so an edit made
// here while the pull ran is kept (and becomes a conflict when Infinity
// changed the same field).
func (p *puller) merge(ctx context.Context, l *Link, r *remoteObj) error {
	lo := p.snap.localOf(*l)
	rc := r.canon()
	if lo != nil && !bytes.Equal(rc, l.Base) {
		// Infinity changed it: read it again in this transaction.
		var err error
		if lo, err = p.s.reread(ctx, lo); err != nil {
			return err
		}
		if lo == nil {
			l.LocalID = 0 // deleted here meanwhile
		}
	}
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
			keepBase(newBase, base, f) // stays a conflict until resolved
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

// keepBase sets field f of newBase back to base's (absent when base has
// none: a link made by name, whose fields are conflicts until resolved).
func keepBase(newBase, base values, f string) {
	if v, ok := base[f]; ok {
		newBase[f] = v
	} else {
		delete(newBase, f)
	}
}

// gone handles an object deleted on Infinity, as a pull or a push meets it.
func (p *puller) gone(ctx context.Context, l *Link) error {
	lo := p.snap.localOf(*l)
	if lo == nil {
		return p.s.cfg.Repo.DeleteLink(ctx, l.ID)
	}
	return p.s.followDeletion(ctx, l, lo, p.res, false)
}

// followDeletion deletes here an object deleted on Infinity, in the
// caller's transaction, unless it was changed here or is in use here: an
// integration with scheduled conferences, scheduler or Infinity outbox
// rows, or this product's own settings changed from their defaults. Those
// stay, marked deleted on Infinity (diff and status show them) for the
// admin to delete here or create there again. asConflict reports synced
// fields changed here as conflicts (a push) rather than as kept (a pull).
func (s *Service) followDeletion(ctx context.Context, l *Link, lo *local, res *Result, asConflict bool) error {
	lo, err := s.reread(ctx, lo)
	if err != nil {
		return err
	}
	if lo == nil { // deleted here meanwhile too
		return s.cfg.Repo.DeleteLink(ctx, l.ID)
	}
	base := decodeValues(l.Base)
	changed := compareFields(fieldsOf(l.Kind), lo.values(), base, base)
	why := ""
	switch {
	case len(changed) > 0 && asConflict:
		for _, f := range changed {
			res.Conflicts = append(res.Conflicts, Conflict{Kind: l.Kind, Name: lo.name, Field: f.Field, Here: f.Here, Infinity: "(deleted on Infinity)"})
		}
		why = "changed here"
	case len(changed) > 0:
		why = "changed here"
	case lo.integ != nil:
		if own := productOnlyChanged(lo.integ); len(own) > 0 {
			why = "its settings of this product were changed (" + strings.Join(own, ", ") + ")"
		} else if why, err = s.cfg.Repo.IntegrationInUse(ctx, lo.id); err != nil {
			return err
		}
		if why != "" && !strings.HasPrefix(why, "its") {
			why = "it has " + why
		}
	}
	if why != "" {
		if l.Remote != nil { // already marked by an earlier run otherwise
			l.Remote = nil
			if err := s.cfg.Repo.SaveLink(ctx, l); err != nil {
				return err
			}
		}
		res.Changes = append(res.Changes, Change{Kind: l.Kind, Name: lo.name, What: "kept", Error: "deleted on Infinity, kept here: " + why + "; " + deletedThereAdvice(l.Kind, lo.name)})
		return nil
	}
	if l.Kind == KindIntegration {
		err = s.cfg.Integrations.Delete(ctx, lo.integ.UUID)
	} else {
		err = s.cfg.Conferences.Delete(ctx, strconv.FormatInt(lo.id, 10))
	}
	if err != nil {
		var iv *integration.ValidationError
		var cv *conference.ValidationError
		if !errors.As(err, &iv) && !errors.As(err, &cv) {
			return err
		}
		res.Failed = append(res.Failed, Change{Kind: l.Kind, Name: bounded(lo.name, 250), What: "failed", Error: bounded(err.Error(), 500)})
		return nil
	}
	if err := s.cfg.Repo.DeleteLink(ctx, l.ID); err != nil {
		return err
	}
	res.Deleted++
	res.Changes = append(res.Changes, Change{Kind: l.Kind, Name: lo.name, What: "deleted"})
	return nil
}

// deletedThereAdvice says how the admin settles an object deleted on
// Infinity and kept here.
func deletedThereAdvice(kind, name string) string {
	flag, del := "--vmr", fmt.Sprintf("vmr-companion vmrs delete %q", name)
	if kind == KindIntegration {
		flag, del = "--integration", fmt.Sprintf("vmr-companion integrations delete %q", name)
	}
	return fmt.Sprintf("to delete it here too run %s (or vmr-companion infinity resolve %s %q --field name --take infinity); to create it on Infinity again run vmr-companion infinity resolve %s %q --field name --take here, then push",
		del, flag, name, flag, name)
}

// productOnlyChanged names the integration's fields of this product alone
// (Infinity has no copy of them) that differ from their defaults.
func productOnlyChanged(in *integration.Integration) []string {
	var names []string
	for _, f := range integration.Describe().Fields {
		if f.ProductOnly && f.Kind != integration.KindSecret {
			names = append(names, f.Name)
		}
	}
	now, def := pick(in, names), pick(integration.Defaults(), names)
	var out []string
	for _, n := range names {
		if !bytes.Equal(now[n], def[n]) {
			out = append(out, n)
		}
	}
	return out
}

// reread is lo as the store holds it now (nil when deleted): inside a
// write transaction no other writer can change it before this one writes.
func (s *Service) reread(ctx context.Context, lo *local) (*local, error) {
	if lo.kind == KindIntegration {
		in, err := s.cfg.Integrations.Get(ctx, lo.integ.UUID)
		if errors.Is(err, integration.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &local{kind: lo.kind, id: in.ID, name: in.Name, enc: integrationEncoded(in), integ: in}, nil
	}
	c, err := s.cfg.Conferences.Get(ctx, strconv.FormatInt(lo.id, 10))
	if errors.Is(err, conference.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &local{kind: lo.kind, id: c.ID, name: c.Name, enc: vmrEncoded(c), conf: c}, nil
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

// begin is how a pull or push starts: the kept client, on the node the
// links belong to, under the sync lease (unlock releases it).
func (s *Service) begin(ctx context.Context, progress func(Progress)) (context.Context, *infinity.Client, func(Progress), func(), error) {
	if progress == nil {
		progress = noProgress
	}
	cl, err := s.Client(ctx)
	if err != nil {
		return ctx, nil, nil, nil, err
	}
	if err := s.sameNode(ctx, cl.BaseURL()); err != nil {
		return ctx, nil, nil, nil, err
	}
	ctx, unlock, err := s.lock(ctx)
	if err != nil {
		return ctx, nil, nil, nil, err
	}
	return ctx, cl, progress, unlock, nil
}
