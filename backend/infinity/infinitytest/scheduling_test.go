package infinitytest

import (
	"strings"
	"testing"
)

// The objects Infinity's own VMR scheduling writes, held to the
// reference's fields and limits with raw HTTP.

const (
	confs     = ConfigPath + "conference/"
	schedAls  = ConfigPath + "scheduled_alias/"
	schedConf = ConfigPath + "scheduled_conference/"
	recurring = ConfigPath + "recurring_conference/"
)

func TestScheduledObjectsTakeURIsAndTimes(t *testing.T) {
	s, r := start(t, Options{})
	if st, _, _ := r.do("POST", confs, map[string]any{"name": "Weekly"}); st != 201 {
		t.Fatalf("POST conference: %d", st)
	}
	st, _, _ := r.do("POST", schedAls, map[string]any{"alias": "meet123@vc.example.com", "alias_number": 123,
		"numeric_alias": "81230123", "uuid": "6f1c0c1e-0000-4000-8000-000000000001", "is_used": true,
		"ews_item_uid": "uid-1", "conference_deletion_time": nil})
	if st != 201 {
		t.Fatalf("POST scheduled_alias: %d", st)
	}
	st, _, _ = r.do("POST", recurring, map[string]any{"conference": confs + "1/", "current_index": 0,
		"ews_item_id": "uid-1", "subject": "Weekly", "scheduled_alias": schedAls + "1/"})
	if st != 201 {
		t.Fatalf("POST recurring_conference: %d", st)
	}
	// With an offset, or without one (taken as UTC): written back the way
	// Infinity writes times.
	for i, times := range [][2]string{{"2026-12-07T09:45:00+01:00", "2026-12-07T10:30:00+01:00"},
		{"2026-12-14T08:45:00", "2026-12-14T09:30:00.000000"}} {
		st, h, body := r.do("POST", schedConf, map[string]any{"conference": confs + "1/", "start_time": times[0],
			"end_time": times[1], "subject": "Weekly", "ews_item_id": "uid-1", "ews_item_uid": "uid-1",
			"recurring_conference": recurring + "1/", "scheduled_alias": schedAls + "1/"})
		if st != 201 || !strings.HasSuffix(h.Get("Location"), schedConf+string(rune('1'+i))+"/") {
			t.Fatalf("POST scheduled_conference: %d %v, Location %q", st, body, h.Get("Location"))
		}
	}
	obj := s.Object("scheduled_conference", 1)
	if obj["start_time"] != "2026-12-07T08:45:00.000000" || obj["conference"] != confs+"1/" {
		t.Fatalf("scheduled_conference %v", obj)
	}
	// Filters on times compare as times.
	_, _, list := r.do("GET", schedConf+"?conference=1&start_time__gte=2026-12-10T00:00:00Z", nil)
	if objs := list["objects"].([]any); len(objs) != 1 || objs[0].(map[string]any)["id"] != float64(2) {
		t.Fatalf("filtered %v", list)
	}
	if c := s.Object("conference", 1); c["scheduled_conferences_count"] != 2 {
		t.Fatalf("conference counts %v scheduled conferences, want 2", c["scheduled_conferences_count"])
	}
	// The conference is a required relation: they go with it; the
	// scheduled alias does not.
	if st, _, _ := r.do("DELETE", confs+"1/", nil); st != 204 {
		t.Fatalf("DELETE: %d", st)
	}
	if s.Count("scheduled_conference") != 0 || s.Count("recurring_conference") != 0 || s.Count("scheduled_alias") != 1 {
		t.Fatalf("left: %d scheduled, %d recurring, %d aliases", s.Count("scheduled_conference"), s.Count("recurring_conference"), s.Count("scheduled_alias"))
	}
}

func TestScheduledObjectsRefuseWhatTheReferenceForbids(t *testing.T) {
	_, r := start(t, Options{})
	r.do("POST", confs, map[string]any{"name": "VMR"})
	long := strings.Repeat("x", 256)
	cases := []struct {
		path  string
		body  map[string]any
		field string
	}{
		{schedConf, map[string]any{"conference": confs + "1/", "start_time": "2026-12-07T09:00:00", "end_time": "2026-12-07T10:00:00", "subject": long}, "subject"},
		{schedConf, map[string]any{"conference": confs + "1/", "start_time": "2026-12-07T09:00:00", "end_time": "2026-12-07T10:00:00", "ews_item_uid": long}, "ews_item_uid"},
		{schedConf, map[string]any{"conference": confs + "1/", "start_time": "2026-12-07T09:00:00", "end_time": "2026-12-07T10:00:00", "ews_item_id": long}, "ews_item_id"},
		{schedConf, map[string]any{"conference": confs + "1/", "start_time": "next tuesday", "end_time": "2026-12-07T10:00:00"}, "start_time"},
		{schedConf, map[string]any{"start_time": "2026-12-07T09:00:00", "end_time": "2026-12-07T10:00:00"}, "conference"},
		{schedConf, map[string]any{"conference": confs + "9/", "start_time": "2026-12-07T09:00:00", "end_time": "2026-12-07T10:00:00"}, "conference"},
		{schedConf, map[string]any{"conference": "12", "start_time": "2026-12-07T09:00:00", "end_time": "2026-12-07T10:00:00"}, "conference"},
		{schedAls, map[string]any{"alias": strings.Repeat("a", 251)}, "alias"},
		{schedAls, map[string]any{"alias": "a@b", "alias_number": -1}, "alias_number"},
		{schedAls, map[string]any{"alias": "a@b", "ews_item_uid": long}, "ews_item_uid"},
		{schedAls, map[string]any{"alias": "a@b", "numeric_alias": strings.Repeat("1", 251)}, "numeric_alias"},
		{recurring, map[string]any{"conference": confs + "1/", "current_index": -1}, "current_index"},
	}
	for _, c := range cases {
		st, _, body := r.do("POST", c.path, c.body)
		res := strings.TrimSuffix(strings.TrimPrefix(c.path, ConfigPath), "/")
		errs, _ := body[res].(map[string]any)
		if st != 400 || errs[c.field] == nil {
			t.Errorf("POST %s %v: %d %v, want 400 naming %s", c.path, c.body, st, body, c.field)
		}
	}
	if st, _, _ := r.do("POST", schedAls, map[string]any{"alias": "dup@b"}); st != 201 {
		t.Fatal("first alias refused")
	}
	if st, _, body := r.do("POST", schedAls, map[string]any{"alias": "dup@b"}); st != 400 {
		t.Errorf("the same alias twice: %d %v", st, body)
	}
}
