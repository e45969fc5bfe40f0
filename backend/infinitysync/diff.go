package infinitysync

import "context"

// Diff reads Infinity and compares every object three ways (here, on
// Infinity, as last synced); it writes nothing. Secrets are never among
// the fields.
func (s *Service) Diff(ctx context.Context) (*Diff, error) {
	cl, err := s.Client(ctx)
	if err != nil {
		return nil, err
	}
	remote, err := s.readRemote(ctx, cl, noProgress)
	if err != nil {
		return nil, err
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return snap.diff(remote), nil
}

// diff compares snap with remote.
func (snap *snapshot) diff(remote remoteSet) *Diff {
	d := &Diff{Objects: []ObjectDiff{}}
	add := func(o ObjectDiff) {
		if o.State == StateUnchanged {
			return
		}
		d.Objects = append(d.Objects, o)
		if pending(o) {
			d.Pending++
		}
		for _, f := range o.Fields {
			if f.Side == SideConflict {
				d.Conflicts++
			}
		}
	}
	seen := map[objKey]bool{}
	for i := range snap.links {
		l := &snap.links[i]
		var r *remoteObj
		if l.RemoteID != 0 {
			r = remote[l.Kind][l.RemoteID]
			seen[key(l.Kind, int64(l.RemoteID))] = true
		}
		var rv values
		if r != nil {
			rv = r.values()
		}
		add(objectDiff(l.Kind, snap.localOf(*l), l, rv, l.RemoteID, ""))
	}
	linked := snap.linked()
	for _, kind := range []string{KindIntegration, KindPersonalVMR} {
		for _, lo := range sortedLocals(snap.locals[kind]) {
			if !linked[key(kind, lo.id)] {
				add(objectDiff(kind, lo, nil, nil, 0, ""))
			}
		}
		for _, id := range sortedIDs(remote[kind]) {
			r := remote[kind][id]
			if !seen[key(kind, int64(id))] {
				add(objectDiff(kind, nil, nil, r.values(), id, r.name))
			}
		}
	}
	return d
}
