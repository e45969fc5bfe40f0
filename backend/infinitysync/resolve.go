package infinitysync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Resolve settles one field of one object as last seen on Infinity: take
// here makes Infinity's value the base, so the next push sends ours; take
// infinity makes Infinity's value ours and the base.
func (s *Service) Resolve(ctx context.Context, kind, name, field, take string) error {
	if kind != KindIntegration && kind != KindPersonalVMR {
		return fmt.Errorf("infinitysync: resolve an %s or a %s, not %q", KindIntegration, KindPersonalVMR, kind)
	}
	if take != TakeHere && take != TakeInfinity {
		return fmt.Errorf("infinitysync: take %q or %q, not %q", TakeHere, TakeInfinity, take)
	}
	if !slices.Contains(fieldsOf(kind), field) {
		return fmt.Errorf("infinitysync: %q is not a field synced with Infinity (for example: %s)", field, strings.Join(fieldsOf(kind)[:3], ", "))
	}
	ctx, unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	snap, err := s.snapshot(ctx)
	if err != nil {
		return err
	}
	var link *Link
	var lo *local
	for i := range snap.links {
		l := &snap.links[i]
		if l.Kind != kind {
			continue
		}
		if o := snap.localOf(*l); o != nil && strings.EqualFold(o.name, name) {
			link, lo = l, o
			break
		}
		if l.LocalID == 0 && strings.EqualFold(l.Name, name) && link == nil {
			link = l // deleted here
		}
	}
	if link != nil && lo == nil {
		return s.resolveDeleted(ctx, link, field, take)
	}
	if link == nil {
		return fmt.Errorf("infinitysync: no %s named %q is synced with Infinity (see: vmr-companion infinity diff)", kind, name)
	}
	remote := decodeValues(link.Remote)
	if remote == nil && link.RemoteID != 0 {
		return s.resolveDeletedThere(ctx, link, lo, field, take)
	}
	if remote == nil {
		return fmt.Errorf("infinitysync: %s %q is not on Infinity yet: push creates it", kind, name)
	}
	base := decodeValues(link.Base)
	if base == nil {
		base = values{}
	}
	base[field] = remote[field]
	ch := Change{Kind: kind, Name: lo.name, What: "taken", Fields: []string{field}}
	err = s.cfg.Repo.InTx(ctx, func(ctx context.Context) error {
		if take == TakeInfinity {
			if err := s.writeLocal(ctx, lo, values{field: remote[field]}); err != nil {
				return err
			}
		}
		link.Base = encodeValues(base)
		return s.cfg.Repo.SaveLink(ctx, link)
	})
	res := &Result{Conflicts: []Conflict{}, Failed: []Change{}, Changes: []Change{ch}}
	if err != nil {
		res.Changes = nil
		res.Failed = []Change{{Kind: kind, Name: lo.name, What: "failed", Fields: []string{field}, Error: err.Error()}}
	}
	h := &HistoryRow{Time: s.cfg.Now(), Who: s.who(ctx), Action: "resolve", Outcome: "ok",
		Summary: fmt.Sprintf("%s %s: field %s: took the value %s", kind, lo.name, field, map[string]string{TakeHere: "here", TakeInfinity: "on Infinity"}[take]),
		Changes: append(res.Changes, res.Failed...)}
	if err != nil {
		h.Outcome, h.Summary = "failed", h.Summary+": "+err.Error()
	}
	return errors.Join(err, s.cfg.Repo.AddHistory(context.WithoutCancel(ctx), h))
}

// resolveDeleted settles an object deleted here but changed on Infinity:
// take here lets the push delete it there after all; take infinity forgets
// the deletion, so the next pull brings Infinity's object back.
func (s *Service) resolveDeleted(ctx context.Context, link *Link, field, take string) error {
	remote := decodeValues(link.Remote)
	if remote == nil {
		return fmt.Errorf("infinitysync: %s %q is deleted on both sides: nothing to resolve", link.Kind, link.Name)
	}
	var err error
	summary := fmt.Sprintf("%s %s (deleted here): ", link.Kind, link.Name)
	if take == TakeHere {
		base := decodeValues(link.Base)
		if base == nil {
			base = values{}
		}
		base[field] = remote[field]
		link.Base = encodeValues(base)
		err = s.cfg.Repo.SaveLink(ctx, link)
		summary += "field " + field + " keeps the deletion; push deletes it on Infinity"
	} else {
		err = s.cfg.Repo.DeleteLink(ctx, link.ID)
		summary += "Infinity's object wins; the next pull brings it back"
	}
	h := &HistoryRow{Time: s.cfg.Now(), Who: s.who(ctx), Action: "resolve", Outcome: "ok", Summary: summary,
		Changes: []Change{{Kind: link.Kind, Name: link.Name, What: "taken", Fields: []string{field}}}}
	if err != nil {
		h.Outcome, h.Summary = "failed", summary+": "+err.Error()
	}
	return errors.Join(err, s.cfg.Repo.AddHistory(context.WithoutCancel(ctx), h))
}

// resolveDeletedThere settles an object deleted on Infinity and kept
// here: take here unlinks it, so the next push creates it on Infinity
// again; take infinity deletes it here too (with what hangs on it).
func (s *Service) resolveDeletedThere(ctx context.Context, link *Link, lo *local, field, take string) error {
	var err error
	summary := fmt.Sprintf("%s %s (deleted on Infinity): ", link.Kind, lo.name)
	if take == TakeHere {
		err = s.cfg.Repo.DeleteLink(ctx, link.ID)
		summary += "kept here; the next push creates it on Infinity again"
	} else {
		err = s.cfg.Repo.InTx(ctx, func(ctx context.Context) error {
			var err error
			if lo.integ != nil {
				err = s.cfg.Integrations.Delete(ctx, lo.integ.UUID)
			} else {
				err = s.cfg.Conferences.Delete(ctx, strconv.FormatInt(lo.id, 10))
			}
			if err != nil {
				return err
			}
			return s.cfg.Repo.DeleteLink(ctx, link.ID)
		})
		summary += "deleted here too"
	}
	h := &HistoryRow{Time: s.cfg.Now(), Who: s.who(ctx), Action: "resolve", Outcome: "ok", Summary: summary,
		Changes: []Change{{Kind: link.Kind, Name: lo.name, What: "taken", Fields: []string{field}}}}
	if err != nil {
		h.Outcome, h.Summary = "failed", summary+": "+err.Error()
	}
	return errors.Join(err, s.cfg.Repo.AddHistory(context.WithoutCancel(ctx), h))
}
