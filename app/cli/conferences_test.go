package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"vmr-companion/app/wire"
	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets/secretstest"
)

// TestConferencesListShowsWhereInfinityStands: an integration that
// provisions through the management API, not connected to Infinity: its
// conferences wait, saying so; each other state (answered by policy,
// created as id N, failed with the reason, removed) shows in the table and
// in --json.
func TestConferencesListShowsWhereInfinityStands(t *testing.T) {
	dir, ex, svc, integ := apiIntegration(t)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	subjects := []string{"Waiting", "Policy", "Created", "Failed", "Removed"}
	for i, s := range subjects {
		a, _, err := svc.Aliases.Reserve(context.Background(), integ, fmt.Sprintf("compose-%d", i), "alex@contoso.com")
		if err != nil {
			t.Fatal(err)
		}
		ex.SendMeeting("uid-"+s, s, start.Add(time.Duration(i)*time.Hour), a.UUID)
	}
	if code, stdout, stderr := run(t, dir, "", "scheduler", "run", "--once"); code != 0 {
		t.Fatalf("scheduler run --once: %d\n%s\n%s", code, stdout, stderr)
	}

	// The other states, as the sender leaves them.
	db, err := sql.Open("sqlite", "file:"+svc.DatabasePath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE scheduled_conferences SET infinity_state = 'policy', infinity_error = '' WHERE subject = 'Policy'`,
		`UPDATE scheduled_conferences SET infinity_state = 'created', infinity_id = 7, infinity_error = '' WHERE subject = 'Created'`,
		`UPDATE scheduled_conferences SET infinity_state = 'failed', infinity_error = 'ivr_theme: no such theme' WHERE subject = 'Failed'`,
		`UPDATE scheduled_conferences SET infinity_state = 'removed', infinity_error = '' WHERE subject = 'Removed'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}

	want := map[string]string{
		"Waiting": "waiting (not connected to Pexip Infinity: run vmr-companion infinity connect",
		"Policy":  "answered by policy",
		"Created": "created on Infinity as id 7",
		"Failed":  "failed: ivr_theme: no such theme",
		"Removed": "removed from Infinity",
	}
	code, stdout, _ := run(t, dir, "", "conferences", "list", "--json")
	var list []scheduler.ScheduledConference
	if code != 0 || json.Unmarshal([]byte(stdout), &list) != nil || len(list) != len(subjects) {
		t.Fatalf("conferences list --json: %d %s", code, stdout)
	}
	for _, c := range list {
		if !strings.HasPrefix(c.InfinityStatus, want[c.Subject]) {
			t.Errorf("%s: infinity_status %q, want %q", c.Subject, c.InfinityStatus, want[c.Subject])
		}
	}
	if !strings.Contains(stdout, `"infinity_state": "created"`) || !strings.Contains(stdout, `"infinity_id": 7`) {
		t.Errorf("--json lacks the state fields: %s", stdout)
	}

	code, stdout, _ = run(t, dir, "", "conferences", "list")
	if code != 0 || !strings.Contains(stdout, "ON INFINITY") {
		t.Fatalf("conferences list: %d %s", code, stdout)
	}
	for s, w := range want {
		line := ""
		for _, l := range strings.Split(stdout, "\n") {
			if strings.Contains(l, " "+s+" ") {
				line = l
			}
		}
		if !strings.Contains(line, w[:min(len(w), 50)]) {
			t.Errorf("the row of %s %q does not say %q", s, line, w)
		}
	}
}

// TestConferencesListAfterSwitchingBackToPolicy: conferences waiting to
// be created on Infinity (not connected) when the integration goes back
// to policy read "answered by policy" after the next pass, with no
// connection needed; switched to api again, they wait once more.
func TestConferencesListAfterSwitchingBackToPolicy(t *testing.T) {
	dir, ex, svc, integ := apiIntegration(t)
	a, _, err := svc.Aliases.Reserve(context.Background(), integ, "compose-switch", "alex@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	ex.SendMeeting("uid-switch", "Switch", time.Now().Add(48*time.Hour).Truncate(time.Hour), a.UUID)
	status := func() string {
		t.Helper()
		if code, stdout, stderr := run(t, dir, "", "scheduler", "run", "--once"); code != 0 {
			t.Fatalf("scheduler run --once: %d\n%s\n%s", code, stdout, stderr)
		}
		code, stdout, _ := run(t, dir, "", "conferences", "list", "--json")
		var list []scheduler.ScheduledConference
		if code != 0 || json.Unmarshal([]byte(stdout), &list) != nil || len(list) != 1 {
			t.Fatalf("conferences list --json: %d %s", code, stdout)
		}
		return list[0].InfinityStatus
	}
	if s := status(); !strings.HasPrefix(s, "waiting (not connected to Pexip Infinity") {
		t.Fatalf("under api, not connected: %q", s)
	}
	for _, step := range []struct{ mode, want string }{{"policy", "answered by policy"}, {"api", "waiting (not connected to Pexip Infinity"}} {
		if code, _, stderr := run(t, dir, "", "integrations", "update", "Contoso", "--set", "infinity_provisioning="+step.mode); code != 0 {
			t.Fatalf("update: %s", stderr)
		}
		if s := status(); !strings.HasPrefix(s, step.want) {
			t.Fatalf("after switching to %s: %q, want %q", step.mode, s, step.want)
		}
	}
}

// apiIntegration makes the integration "Contoso" of a fake Exchange with
// infinity_provisioning api, through the CLI, in a new data folder.
func apiIntegration(t *testing.T) (string, *wiretest.Exchange, *wire.Services, *integration.Integration) {
	t.Helper()
	secretstest.MockInit()
	dir := t.TempDir()
	ex := wiretest.NewExchange(t, "room@contoso.com")
	var in map[string]any
	if err := json.Unmarshal([]byte(ex.Integration("room@contoso.com")), &in); err != nil {
		t.Fatal(err)
	}
	in["infinity_provisioning"] = "api"
	data, _ := json.Marshal(in)
	if code, _, stderr := run(t, dir, string(data), "integrations", "create", "-f", "-"); code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	svc := wiretest.Open(t, dir)
	integ, err := svc.Integrations.Get(context.Background(), "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	return dir, ex, svc, integ
}
