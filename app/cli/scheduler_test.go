package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets/secretstest"
)

// TestSchedulerCommands: an integration pointing at a fake Exchange over
// TLS (trusted through the integration's CA file, with Basic auth from the
// keychain), a reserved alias and a meeting in the room mailbox; then
// scheduler run --once, scheduler status and conferences list.
func TestSchedulerCommands(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	ex := wiretest.NewExchange(t, "room@contoso.com")
	fake := ex.Fake
	if code, _, stderr := run(t, dir, ex.Integration("room@contoso.com"), "integrations", "create", "-f", "-"); code != 0 {
		t.Fatalf("create: %s", stderr)
	}

	// The add-in's reservation, made through the same store.
	svc := wiretest.Open(t, dir)
	integ, err := svc.Integrations.Get(context.Background(), "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := svc.Aliases.Reserve(context.Background(), integ, "compose-1", "alex@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	ex.SendMeeting("cli-meeting", "Quarterly review", start, a.UUID)

	code, stdout, stderr := run(t, dir, "", "scheduler", "run", "--once")
	if code != 0 || !strings.Contains(stdout, "Contoso: 1 decided") {
		t.Fatalf("scheduler run --once: %d\n%s\n%s", code, stdout, stderr)
	}
	if rs := fake.Responses(); len(rs) != 1 || rs[0].Kind != "accept" {
		t.Fatalf("responses %+v", rs)
	}
	if !strings.Contains(strings.Join(fake.Requests()[0].Header.Values("Authorization"), ""), "Basic ") {
		t.Fatal("the scheduler did not authenticate with the integration's Basic credentials")
	}

	code, stdout, _ = run(t, dir, "", "conferences", "list", "--json")
	var list []scheduler.ScheduledConference
	if code != 0 || json.Unmarshal([]byte(stdout), &list) != nil || len(list) != 1 {
		t.Fatalf("conferences list --json: %d %s", code, stdout)
	}
	c := list[0]
	if c.Alias != a.Alias || c.Subject != "Quarterly review" || c.Kind != "single" || !c.ValidFrom.Equal(start.Add(-30*time.Minute)) || !c.ValidUntil.Equal(start.Add(2*time.Hour)) {
		t.Fatalf("conference %+v", c)
	}
	code, stdout, _ = run(t, dir, "", "conferences", "list")
	if code != 0 || !strings.Contains(stdout, a.Alias) || !strings.Contains(stdout, "Quarterly review") {
		t.Fatalf("conferences list: %s", stdout)
	}

	code, stdout, _ = run(t, dir, "", "scheduler", "status", "--json")
	var sts []scheduler.Status
	if code != 0 || json.Unmarshal([]byte(stdout), &sts) != nil || len(sts) != 1 || sts[0].Processed != 1 || sts[0].State != "stopped" {
		t.Fatalf("scheduler status --json: %s", stdout)
	}

	// Exchange refuses the account: a clear error with what to do.
	fake.FailNext("SyncFolderItems", 10, ewstest.Failure{Status: 401})
	code, stdout, stderr = run(t, dir, "", "scheduler", "run", "--once")
	if code == 0 || !strings.Contains(stdout, "what to do:") || strings.Contains(stdout+stderr, wiretest.Password) {
		t.Fatalf("run with a refused account: %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, dir, "", "scheduler", "status")
	if code != 0 || !strings.Contains(stdout, "last error") {
		t.Fatalf("status after the failure: %s", stdout)
	}
}

// TestSchedulerLeaseQuarantineAndRetry: run --once while another process
// holds the mailbox says who and exits 0; a reply Exchange refuses for good
// is quarantined, shown by status, and put back by retry.
func TestSchedulerLeaseQuarantineAndRetry(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	ex := wiretest.NewExchange(t, "room@contoso.com")
	fake := ex.Fake
	if code, _, stderr := run(t, dir, ex.Integration("room@contoso.com"), "integrations", "create", "-f", "-"); code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	svc := wiretest.Open(t, dir)
	integ, err := svc.Integrations.Get(context.Background(), "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := svc.Aliases.Reserve(context.Background(), integ, "compose-1", "alex@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	ex.SendMeeting("cli-q", "Quarterly review", start, a.UUID)

	host, release := wiretest.HoldMailbox(t, svc, integ.ID)
	code, stdout, stderr := run(t, dir, "", "scheduler", "run", "--once")
	want := "Contoso: the service in process 1 is working on this mailbox; it will process the new meetings within "
	if code != 0 || !strings.Contains(stdout, want) || len(fake.Responses()) != 0 {
		t.Fatalf("run --once while held: %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, dir, "", "scheduler", "status")
	if code != 0 || !strings.Contains(stdout, "owned by: process 1 on "+host) {
		t.Fatalf("status while held: %s", stdout)
	}
	release()

	// Exchange refuses the reply for good: quarantined at once.
	fake.FailNext("CreateItem", 1, ewstest.Failure{Code: "ErrorMessageSizeExceeded"})
	code, stdout, stderr = run(t, dir, "", "scheduler", "run", "--once")
	if code != 0 || !strings.Contains(stdout, "1 decided") || !strings.Contains(stdout, "1 failed (tried again later), 1 quarantined") {
		t.Fatalf("run --once with a refused reply: %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, dir, "", "scheduler", "status")
	if code != 0 || !strings.Contains(stdout, "quarantined: 1") || !strings.Contains(stdout, "--reply 1: reply (accept)") ||
		!strings.Contains(stdout, "ErrorMessageSizeExceeded") || !strings.Contains(stdout, "Quarterly review") {
		t.Fatalf("status with a quarantined reply: %s", stdout)
	}
	code, stdout, _ = run(t, dir, "", "scheduler", "status", "--json")
	var sts []scheduler.Status
	if code != 0 || json.Unmarshal([]byte(stdout), &sts) != nil || len(sts) != 1 || sts[0].QuarantinedCount != 1 ||
		sts[0].Quarantined[0].CorrelationID == "" || sts[0].Quarantined[0].Kind != "outbox" {
		t.Fatalf("status --json: %s", stdout)
	}
	if code, _, stderr := run(t, dir, "", "scheduler", "retry"); code == 0 || !strings.Contains(stderr, "--item ID, --reply ID or --infinity ID") {
		t.Fatalf("retry without an id: %d %s", code, stderr)
	}
	if code, stdout, stderr := run(t, dir, "", "scheduler", "retry", "--reply", "1"); code != 0 || !strings.Contains(stdout, "Back in line") {
		t.Fatalf("retry --reply 1: %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, dir, "", "scheduler", "run", "--once", "--wait"); code != 0 || len(fake.Responses()) != 1 {
		t.Fatalf("run after the retry: %d %s; %d replies", code, stdout, len(fake.Responses()))
	}
	if code, _, stderr := run(t, dir, "", "scheduler", "retry", "--reply", "1"); code == 0 || !strings.Contains(stderr, "nothing quarantined has this id") {
		t.Fatalf("retry of a sent reply: %d %s", code, stderr)
	}
	if code, _, stderr := run(t, dir, "", "scheduler", "retry", "--infinity", "7"); code == 0 || !strings.Contains(stderr, "nothing quarantined has this id") {
		t.Fatalf("retry of an operation on Infinity that is not quarantined: %d %s", code, stderr)
	}
	if code, _, stderr := run(t, dir, "", "scheduler", "retry", "--reply", "1", "--infinity", "7"); code == 0 || !strings.Contains(stderr, "say what to retry") {
		t.Fatalf("retry of two things at once: %d %s", code, stderr)
	}
}
