package infinitysync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/integration"
)

// pushedSecrets are the write-only secrets of ms_exchange_connector that
// a push with secrets sends.
var pushedSecrets = []string{integration.SecretPassword, integration.SecretOAuthClientSecret, integration.SecretPersonalVMROAuthClientSecret}

// pushItem is one object a push works on.
type pushItem struct {
	kind string
	lo   *local
	link *Link // nil for an object never pushed
}

func (it *pushItem) name() string {
	if it.lo != nil {
		return it.lo.name
	}
	return it.link.Name
}

// Push sends what changed here to Infinity, object by object, after
// re-reading each: a field changed on both sides to different values is a
// conflict and leaves that object unwritten. Each object records its intent
// before the first write and its outcome after, so a push stopped half way
// says what went, and running it again finishes without duplicates.
func (s *Service) Push(ctx context.Context, opts PushOptions, progress func(Progress)) (*Result, error) {
	ctx, cl, progress, unlock, err := s.begin(ctx, progress)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := s.cfg.Repo.SetNodeURL(ctx, cl.BaseURL()); err != nil {
		return nil, err
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	items := s.plan(ctx, snap, opts)
	if err := validateAll(items); err != nil {
		return nil, err // refused before any request
	}
	res := &Result{Conflicts: []Conflict{}, Failed: []Change{}, Changes: []Change{}}
	before := cl.Requests() // the client is kept across calls: count from here
	var cause error
	for i := range items {
		it := &items[i]
		progress(Progress{Phase: "writing", Done: i, Total: len(items), Object: it.name()})
		if ctx.Err() != nil { // cancelled, or the lease lost: stop between objects
			cause = context.Cause(ctx)
			break
		}
		if err := s.pushOne(ctx, cl, it, opts, res); err != nil {
			res.Failed = append(res.Failed, Change{Kind: it.kind, Name: it.name(), What: "failed", Error: err.Error()})
			if it.link != nil {
				it.link.PushState, it.link.PushError = PushFailed, err.Error()
				_ = s.cfg.Repo.SaveLink(context.WithoutCancel(ctx), it.link) // the error is already reported
			}
			if ctx.Err() != nil {
				cause = context.Cause(ctx)
				break
			}
		}
	}
	progress(Progress{Phase: "writing", Done: len(items), Total: len(items)})
	res.Requests = cl.Requests() - before
	if err := s.record(ctx, "push", res, cause); err != nil {
		return res, err
	}
	return res, nil
}

// plan lists the objects with something to send.
func (s *Service) plan(ctx context.Context, snap *snapshot, opts PushOptions) []pushItem {
	var items []pushItem
	for i := range snap.links {
		l := &snap.links[i]
		lo := snap.localOf(*l)
		d := objectDiff(l.Kind, lo, l, decodeValues(l.Remote), l.RemoteID, "")
		withSecrets := opts.Secrets && lo != nil && lo.integ != nil && len(lo.integ.SecretsStored) > 0
		if pending(d) || l.PushState == PushPending || l.PushState == PushFailed || withSecrets {
			if lo == nil && l.RemoteID == 0 {
				continue // never created there and deleted here: nothing to do
			}
			items = append(items, pushItem{kind: l.Kind, lo: lo, link: l})
		}
	}
	linked := snap.linked()
	for _, kind := range []string{KindIntegration, KindPersonalVMR} {
		for _, lo := range sortedLocals(snap.locals[kind]) {
			if !linked[key(kind, lo.id)] {
				items = append(items, pushItem{kind: kind, lo: lo})
			}
		}
	}
	return items
}

// validateAll applies Infinity's field rules to every object a push would
// send, so a value Infinity would refuse is refused here, naming the field.
func validateAll(items []pushItem) error {
	var problems []string
	for _, it := range items {
		if it.lo == nil {
			continue
		}
		for f, msg := range validateLocal(it.lo) {
			problems = append(problems, fmt.Sprintf("%s %s: field %s: %s", it.kind, it.lo.name, f, msg))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("infinitysync: nothing was pushed; Infinity would refuse these values, fix them first:\n  %s", strings.Join(problems, "\n  "))
}

func validateLocal(lo *local) map[string]string {
	out := map[string]string{}
	if lo.integ != nil {
		var v *integration.ValidationError
		if err := integration.Validate(lo.integ); errors.As(err, &v) {
			for f, msg := range v.Fields {
				out[f] = msg
			}
		}
		if strings.TrimSpace(lo.integ.AddinServerDomain) == "" {
			out["addin_server_domain"] = "required by Infinity: the domain that serves the add-in, e.g. addins.example.com"
		}
		return out
	}
	if v := conference.Validate(lo.conf); v != nil {
		for f, msg := range v.Fields {
			out[f] = msg
		}
	}
	return out
}

// remoteGet re-reads one object; nil when Infinity has none.
func remoteGet(ctx context.Context, cl *infinity.Client, kind string, id int) (*remoteObj, error) {
	var r *remoteObj
	var err error
	if kind == KindIntegration {
		var c *infinity.Connector
		if c, err = cl.GetConnector(ctx, id); err == nil {
			r = remoteIntegration(c)
		}
	} else {
		var c *infinity.Conference
		if c, err = cl.GetConference(ctx, id); err == nil {
			r = remoteVMR(c)
		}
	}
	var nf *infinity.NotFoundError
	if errors.As(err, &nf) {
		return nil, nil
	}
	return r, err
}

// findByName is the id of the object named name on Infinity, 0 if none.
func findByName(ctx context.Context, cl *infinity.Client, kind, name string) (int, error) {
	q := url.Values{"name": {name}}
	if kind == KindIntegration {
		list, err := cl.ListConnectors(ctx, q)
		if err != nil || len(list) == 0 {
			return 0, err
		}
		return list[0].ID, nil
	}
	list, err := cl.ListConferences(ctx, q)
	if err != nil || len(list) == 0 {
		return 0, err
	}
	return list[0].ID, nil
}

func (s *Service) secretsOf(ctx context.Context, in *integration.Integration) (infinity.Fields, error) {
	out := infinity.Fields{}
	for _, f := range pushedSecrets {
		v, ok, err := s.cfg.Integrations.Secret(ctx, in, f)
		if err != nil {
			return nil, err
		}
		if ok {
			out[f] = v
		}
	}
	return out, nil
}

func resourceOf(kind string) string {
	if kind == KindIntegration {
		return infinity.ResConnector
	}
	return infinity.ResConference
}

// intent records that a push is about to write the object.
func (s *Service) intent(ctx context.Context, it *pushItem) error {
	if it.link == nil {
		it.link = &Link{Kind: it.kind, LocalID: it.lo.id, Name: it.lo.name}
	}
	it.link.PushState, it.link.PushError = PushPending, ""
	return s.cfg.Repo.SaveLink(ctx, it.link)
}

func (s *Service) pushOne(ctx context.Context, cl *infinity.Client, it *pushItem, opts PushOptions, res *Result) error {
	var r *remoteObj
	if it.link != nil && it.link.RemoteID != 0 {
		var err error
		if r, err = remoteGet(ctx, cl, it.kind, it.link.RemoteID); err != nil {
			return err
		}
		if r == nil && it.lo == nil { // deleted on both sides
			return s.cfg.Repo.DeleteLink(ctx, it.link.ID)
		}
		if r == nil {
			// Deleted on Infinity by someone: followed here as a pull would,
			// or a conflict when changed here; never created again unasked
			// (resolve --take here unlinks it, and a push then creates it).
			return s.cfg.Repo.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
				return s.followDeletion(ctx, it.link, it.lo, res, true)
			})
		}
	}
	switch {
	case it.lo == nil:
		return s.pushDelete(ctx, cl, it, r, res)
	case r == nil:
		return s.pushCreate(ctx, cl, it, opts, res)
	}
	return s.pushUpdate(ctx, cl, it, r, opts, res)
}

func (s *Service) pushDelete(ctx context.Context, cl *infinity.Client, it *pushItem, r *remoteObj, res *Result) error {
	base := decodeValues(it.link.Base)
	if changed := compareFields(fieldsOf(it.kind), base, base, r.vals); len(changed) > 0 {
		for _, f := range changed {
			res.Conflicts = append(res.Conflicts, Conflict{Kind: it.kind, Name: it.link.Name, Field: f.Field, Here: "(deleted)", Infinity: f.Infinity})
		}
		it.link.Remote = encodeValues(r.vals)
		return s.cfg.Repo.SaveLink(ctx, it.link)
	}
	if err := s.intent(ctx, it); err != nil {
		return err
	}
	if err := cl.Delete(ctx, resourceOf(it.kind), it.link.RemoteID); err != nil {
		var nf *infinity.NotFoundError
		if !errors.As(err, &nf) {
			return err
		}
	}
	if err := s.cfg.Repo.DeleteLink(context.WithoutCancel(ctx), it.link.ID); err != nil {
		return err
	}
	res.Deleted++
	res.Changes = append(res.Changes, Change{Kind: it.kind, Name: it.link.Name, What: "deleted"})
	return nil
}

func (s *Service) pushCreate(ctx context.Context, cl *infinity.Client, it *pushItem, opts PushOptions, res *Result) error {
	// An earlier push recorded its intent to create it and stopped before
	// learning the id: the object of this name there may be the one it made.
	ours := it.link != nil && it.link.RemoteID == 0 && (it.link.PushState == PushPending || it.link.PushState == PushFailed)
	id, err := findByName(ctx, cl, it.kind, it.lo.name)
	if err != nil {
		return err
	}
	if id != 0 {
		r, err := remoteGet(ctx, cl, it.kind, id)
		if err != nil || r == nil {
			return errors.Join(err, fmt.Errorf("infinitysync: reading %s %q on Infinity", it.kind, it.lo.name))
		}
		if msg := ownerClash(it.lo, r); msg != "" {
			return errors.New("infinitysync: name clash: " + msg) // nothing written there
		}
		if !ours {
			return s.linkByName(ctx, it, r, res)
		}
	} else {
		if err := s.intent(ctx, it); err != nil { // recorded before the POST
			return err
		}
		if it.kind == KindIntegration {
			extra := infinity.Fields{}
			if opts.Secrets {
				if extra, err = s.secretsOf(ctx, it.lo.integ); err != nil {
					return err
				}
			}
			id, err = cl.CreateConnector(ctx, infinity.Connector{Integration: *it.lo.integ}, extra)
		} else {
			id, err = cl.CreateConference(ctx, infinity.Conference{Conference: *it.lo.conf}, nil)
		}
		if err != nil {
			return err
		}
	}
	it.link.RemoteID = id
	if err := s.cfg.Repo.SaveLink(context.WithoutCancel(ctx), it.link); err != nil {
		return err
	}
	r, err := remoteGet(ctx, cl, it.kind, id)
	if err != nil {
		return err
	}
	if r == nil {
		return fmt.Errorf("infinitysync: Infinity created %s %q as id %d but does not show it", it.kind, it.lo.name, id)
	}
	if err := s.syncChildren(ctx, cl, it.lo, r); err != nil {
		return err
	}
	if r, err = remoteGet(ctx, cl, it.kind, id); err != nil || r == nil {
		return errors.Join(err, fmt.Errorf("infinitysync: re-reading %s %q", it.kind, it.lo.name))
	}
	// Infinity's defaults for what we left out become ours, so the object
	// is in step.
	take := values{}
	lv := it.lo.values()
	for _, f := range compareFields(fieldsOf(it.kind), lv, lv, r.vals) {
		take[f.Field] = r.vals[f.Field]
	}
	if err := s.finish(ctx, it, r, take, res); err != nil {
		return err
	}
	res.Created++
	res.Changes = append(res.Changes, Change{Kind: it.kind, Name: it.lo.name, What: "created"})
	return nil
}

// linkByName links a local object never pushed to someone else's object
// of the same name on Infinity, with an empty base: nothing is written on
// either side (secrets neither), and each field that differs is a conflict
// the admin resolves before a push sends anything to it.
func (s *Service) linkByName(ctx context.Context, it *pushItem, r *remoteObj, res *Result) error {
	if it.link == nil {
		it.link = &Link{Kind: it.kind, LocalID: it.lo.id}
	}
	it.link.Name, it.link.RemoteID, it.link.PushState, it.link.PushError = it.lo.name, r.id, PushNone, ""
	// The base is Infinity's object without the fields that differ here:
	// those are conflicts until the admin resolves them.
	base := values{}
	for k, v := range r.vals {
		base[k] = v
	}
	var fields []string
	for _, f := range compareFields(fieldsOf(it.kind), it.lo.values(), values{}, r.vals) {
		if f.Side == SideConflict {
			delete(base, f.Field)
			fields = append(fields, f.Field)
			res.Conflicts = append(res.Conflicts, Conflict{Kind: it.kind, Name: it.lo.name, Field: f.Field, Here: f.Here, Infinity: f.Infinity})
		}
	}
	it.link.Base, it.link.Remote = encodeValues(base), encodeValues(r.vals)
	if err := s.cfg.Repo.SaveLink(context.WithoutCancel(ctx), it.link); err != nil {
		return err
	}
	res.Changes = append(res.Changes, Change{Kind: it.kind, Name: it.lo.name, What: "linked", Fields: fields,
		Error: "Infinity already has one of this name, made there: linked without writing; resolve each field that differs, then push"})
	return nil
}

func (s *Service) pushUpdate(ctx context.Context, cl *infinity.Client, it *pushItem, r *remoteObj, opts PushOptions, res *Result) error {
	base := decodeValues(it.link.Base)
	if base == nil {
		base = r.vals // a creation that did not finish: everything here is to send
	}
	lv := it.lo.values()
	fields := compareFields(fieldsOf(it.kind), lv, base, r.vals)
	var conflicts []Conflict
	patch := infinity.Fields{}
	var sent []string
	children := false
	for _, f := range fields {
		switch f.Side {
		case SideConflict:
			conflicts = append(conflicts, Conflict{Kind: it.kind, Name: it.lo.name, Field: f.Field, Here: f.Here, Infinity: f.Infinity})
		case SideHere:
			sent = append(sent, f.Field)
			if f.Field == "domains" || f.Field == "aliases" {
				children = true
			} else {
				patch[f.Field] = lv[f.Field]
			}
		}
	}
	if len(conflicts) > 0 {
		res.Conflicts = append(res.Conflicts, conflicts...)
		it.link.Remote = encodeValues(r.vals)
		return s.cfg.Repo.SaveLink(ctx, it.link)
	}
	if opts.Secrets && it.kind == KindIntegration {
		extra, err := s.secretsOf(ctx, it.lo.integ)
		if err != nil {
			return err
		}
		for k, v := range extra {
			patch[k] = v
			sent = append(sent, k)
		}
	}
	if len(sent) > 0 {
		if err := s.intent(ctx, it); err != nil {
			return err
		}
		if len(patch) > 0 {
			if err := cl.Patch(ctx, resourceOf(it.kind), r.id, patch); err != nil {
				return err
			}
		}
		if children {
			if err := s.syncChildren(ctx, cl, it.lo, r); err != nil {
				return err
			}
		}
		var err error
		if r, err = remoteGet(ctx, cl, it.kind, r.id); err != nil || r == nil {
			return errors.Join(err, fmt.Errorf("infinitysync: re-reading %s %q after writing it", it.kind, it.lo.name))
		}
	}
	// Changes made only on Infinity come into the store.
	take := values{}
	var taken []string
	for _, f := range fields {
		if f.Side == SideInfinity {
			take[f.Field] = r.vals[f.Field]
			taken = append(taken, f.Field)
		}
	}
	if err := s.finish(ctx, it, r, take, res); err != nil {
		return err
	}
	switch {
	case len(sent) > 0:
		res.Updated++
		res.Changes = append(res.Changes, Change{Kind: it.kind, Name: it.lo.name, What: "updated", Fields: sent})
	case len(taken) > 0:
		res.Taken++
		res.Changes = append(res.Changes, Change{Kind: it.kind, Name: it.lo.name, What: "taken", Fields: taken})
	default:
		res.Unchanged++
	}
	return nil
}

// finish records a written object in one transaction: the local object,
// read again there, takes the fields of take that were not changed here
// while the push ran (one that was is a conflict, its base kept), and the
// base and remote become Infinity's object.
func (s *Service) finish(ctx context.Context, it *pushItem, r *remoteObj, take values, res *Result) error {
	ctx = context.WithoutCancel(ctx) // Infinity has it: the store must say so
	var conflicts []Conflict
	err := s.cfg.Repo.InTx(ctx, func(ctx context.Context) error {
		conflicts = nil
		newBase := values{}
		for k, v := range r.vals {
			newBase[k] = v
		}
		if len(take) > 0 {
			cur, err := s.reread(ctx, it.lo)
			if err != nil {
				return err
			}
			if cur == nil { // deleted here meanwhile: the next push deletes it there
				it.link.LocalID = 0
			} else {
				base, curv, was := decodeValues(it.link.Base), cur.values(), it.lo.values()
				apply := values{}
				for f, v := range take {
					if bytes.Equal(curv[f], was[f]) {
						apply[f] = v
						continue
					}
					keepBase(newBase, base, f)
					conflicts = append(conflicts, Conflict{Kind: it.kind, Name: cur.name, Field: f, Here: display(curv[f]), Infinity: display(v)})
				}
				if len(apply) > 0 {
					if err := s.writeLocal(ctx, cur, apply); err != nil {
						return err
					}
				}
				it.lo = cur
			}
		}
		it.link.Name, it.link.RemoteID = it.lo.name, r.id
		it.link.Base, it.link.Remote = encodeValues(newBase), encodeValues(r.vals)
		it.link.PushState, it.link.PushError = PushDone, ""
		return s.cfg.Repo.SaveLink(ctx, it.link)
	})
	if err == nil {
		slices.SortFunc(conflicts, func(a, b Conflict) int { return strings.Compare(a.Field, b.Field) })
		res.Conflicts = append(res.Conflicts, conflicts...)
	}
	return err
}

// syncChildren creates and deletes exchange_domain or conference_alias
// objects until Infinity's match the local object's.
func (s *Service) syncChildren(ctx context.Context, cl *infinity.Client, lo *local, r *remoteObj) error {
	if lo.integ != nil {
		have := map[string]int{}
		for _, d := range r.conn.Domains {
			have[strings.ToLower(d.Domain)] = d.ID
		}
		want := map[string]bool{}
		for _, d := range lo.integ.Domains {
			want[strings.ToLower(d)] = true
			if _, ok := have[strings.ToLower(d)]; !ok {
				if _, err := cl.CreateExchangeDomain(ctx, r.id, d); err != nil {
					return err
				}
			}
		}
		for d, id := range have {
			if !want[d] {
				if err := cl.Delete(ctx, infinity.ResExchangeDomain, id); err != nil {
					return err
				}
			}
		}
		return nil
	}
	have := map[string]infinity.ConferenceAlias{}
	for _, a := range r.confr.Aliases {
		have[strings.ToLower(a.Alias)] = a
	}
	want := map[string]bool{}
	for _, a := range lo.conf.Aliases {
		want[strings.ToLower(a.Alias)] = true
		cur, ok := have[strings.ToLower(a.Alias)]
		switch {
		case !ok:
			if _, err := cl.CreateConferenceAlias(ctx, r.id, a.Alias, a.Description); err != nil {
				return err
			}
		case cur.Description != a.Description:
			if err := cl.Patch(ctx, infinity.ResConferenceAlias, cur.ID, infinity.Fields{"description": a.Description}); err != nil {
				return err
			}
		}
	}
	for k, a := range have {
		if !want[k] {
			if err := cl.Delete(ctx, infinity.ResConferenceAlias, a.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
