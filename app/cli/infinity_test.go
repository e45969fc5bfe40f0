package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/secrets/secretstest"
)

func TestInfinityCommands(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	fake := infinitytest.Start(t, infinitytest.Options{Username: "admin", Password: "mgr-pw-1", Version: "36.1"})
	oslo := fake.SeedConnector(map[string]any{"name": "oslo", "addin_server_domain": "addins.example.com",
		"url": "https://mail.oslo.example.com/EWS/Exchange.asmx", "room_mailbox_email_address": "vmr@oslo.example.com", "username": "svc"},
		"mail.oslo.example.com")
	fake.SeedConference(map[string]any{"name": "Alice", "primary_owner_email_address": "alice@example.com"}, "alice@vc.example.com")

	if code, out, _ := run(t, dir, "", "infinity", "status"); code != 0 || !strings.Contains(out, "Not connected") {
		t.Fatalf("status before connecting: %d %q", code, out)
	}
	if code, _, errOut := run(t, dir, "", "infinity", "pull"); code != 1 || !strings.Contains(errOut, "infinity connect --url") {
		t.Fatalf("pull before connecting: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, dir, "", "infinity", "connect", "--url", fake.URL); code != 2 || !strings.Contains(errOut, "--username") {
		t.Fatalf("connect without credentials: %d %q", code, errOut)
	}
	code, out, errOut := run(t, dir, "wrong-pw\n", "infinity", "connect", "--url", fake.URL, "--username", "admin", "--secret", "password", "--ca-file", fake.CA.File(t))
	if code != 1 || !strings.Contains(errOut, "did not accept the credentials") || strings.Contains(errOut, "wrong-pw") {
		t.Fatalf("connect with a wrong password: %d %q %q", code, out, errOut)
	}
	code, out, errOut = run(t, dir, "mgr-pw-1\n", "infinity", "connect", "--url", fake.URL, "--username", "admin", "--secret", "password", "--ca-file", fake.CA.File(t))
	if code != 0 || !strings.Contains(out, "as admin (Infinity 36.1)") {
		t.Fatalf("connect: %d %q %q", code, out, errOut)
	}

	code, out, errOut = run(t, dir, "", "infinity", "pull", "--json")
	var res infinitysync.Result
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Created != 2 {
		t.Fatalf("pull: %d %q %q", code, out, errOut)
	}
	if code, out, _ := run(t, dir, "", "infinity", "diff"); code != 0 || !strings.Contains(out, "No differences") {
		t.Fatalf("diff after pull: %d %q", code, out)
	}

	if code, _, errOut := run(t, dir, "", "integrations", "update", "oslo", "--set", "description=edited here"); code != 0 {
		t.Fatalf("update: %q", errOut)
	}
	fake.Edit("ms_exchange_connector", oslo, map[string]any{"description": "edited there"})
	code, out, _ = run(t, dir, "", "infinity", "diff")
	if want := `integration oslo: field description: conflict: here "edited here", on Infinity "edited there" (was "")`; code != 0 || !strings.Contains(out, want) {
		t.Fatalf("diff: %d\n%s\nwant %s", code, out, want)
	}
	code, _, errOut = run(t, dir, "", "infinity", "push")
	if want := `conflict: integration oslo: field description: here "edited here", on Infinity "edited there"`; code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("push with a conflict: %d %q", code, errOut)
	}
	if code, _, errOut := run(t, dir, "", "infinity", "resolve", "--integration", "oslo", "--field", "description"); code != 2 || !strings.Contains(errOut, "--take") {
		t.Fatalf("resolve without --take: %d %q", code, errOut)
	}
	if code, out, errOut := run(t, dir, "", "infinity", "resolve", "--integration", "oslo", "--field", "description", "--take", "here"); code != 0 || !strings.Contains(out, "next push sends it") {
		t.Fatalf("resolve: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := run(t, dir, "", "infinity", "push"); code != 0 || !strings.Contains(out, "integration oslo: updated (description)") {
		t.Fatalf("push: %d %q %q", code, out, errOut)
	}
	if got := fake.Object("ms_exchange_connector", oslo)["description"]; got != "edited here" {
		t.Fatalf("Infinity's description: %v", got)
	}

	code, out, _ = run(t, dir, "", "infinity", "status", "--json")
	var st infinitysync.Status
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || !st.Connected || st.Pending != 0 || st.Conflicts != 0 || len(st.History) != 4 {
		t.Fatalf("status: %d %s", code, out)
	}
	code, out, _ = run(t, dir, "", "infinity", "status")
	if code != 0 || !strings.Contains(out, "resolve") || !strings.Contains(out, "Pending changes: 0") {
		t.Fatalf("status: %d %s", code, out)
	}

	if code, _, _ := run(t, dir, "", "infinity", "disconnect"); code != 0 {
		t.Fatal("disconnect failed")
	}
	if code, out, _ := run(t, dir, "", "infinity", "status"); code != 0 || !strings.Contains(out, "Not connected") || !strings.Contains(out, "History:") {
		t.Fatalf("status after disconnecting: %s", out)
	}
	if code, out, _ := run(t, dir, "", "vmrs", "list"); code != 0 || !strings.Contains(out, "Alice") {
		t.Fatalf("the synced VMR must stay after disconnecting: %s", out)
	}
}

func TestInfinityConnectWithAPrivateKeyAndHostileNames(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	fake := infinitytest.Start(t, infinitytest.Options{Username: "admin", Password: "mgr-pw-1"})
	key := fake.AddOAuthClient("cli-client")
	code, out, errOut := run(t, dir, key, "infinity", "connect", "--url", fake.URL, "--client-id", "cli-client", "--secret", "private_key", "--ca-file", fake.CA.File(t))
	if code != 0 || !strings.Contains(out, "OAuth2 client cli-client (Infinity version unknown)") {
		t.Fatalf("connect: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := run(t, dir, "not a key\n", "infinity", "connect", "--url", fake.URL, "--client-id", "x", "--secret", "private_key"); code != 1 || !strings.Contains(errOut, "not PEM") {
		t.Fatalf("a key that is not PEM: %d %q", code, errOut)
	}
	id := fake.SeedConference(map[string]any{"name": "evil\x1b[2J\rname", "primary_owner_email_address": "e@example.com"}, "e@vc.example.com")
	if code, _, errOut := run(t, dir, "", "infinity", "pull"); code != 0 {
		t.Fatalf("pull: %q", errOut)
	}
	fake.Edit("conference", id, map[string]any{"description": "\x1b]0;owned\x07"})
	code, out, _ = run(t, dir, "", "infinity", "diff")
	if code != 0 || strings.ContainsAny(out, "\x1b\r\x07") || !strings.Contains(out, "field description: changed on Infinity") {
		t.Fatalf("diff must not pass control characters through: %q", out)
	}
}

func TestPlainDropsControlAndBidiCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"36.1":                        "36.1",
		"36.1\x1b[2J\r\n":             "36.1 [2J  ",
		"v\u202eevil\u202c":           "v evil ",
		"\u2066a\u2067b\u2068c\u2069": " a b c ",
		"zero\u200bwidth\ufeff\u00ad": "zero width  ",
		"\u202a\u202b\u202d x":        "    x",
		"Zürich 会議室":                  "Zürich 会議室",
		"bad\xffutf8":                 "bad utf8",
		"del\x7fc1\u0085":             "del c1 ",
	} {
		if got := plain(in); got != want {
			t.Errorf("plain(%q) = %q, want %q", in, got, want)
		}
	}
}

// The Management Node's version string is an outsider's text: shown
// without the characters that could rewrite a terminal.
func TestInfinityVersionIsShownPlain(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	fake := infinitytest.Start(t, infinitytest.Options{Username: "admin", Password: "mgr-pw-1", Version: "36.1\u202e\x1b[2Jlive"})
	code, out, errOut := run(t, dir, "mgr-pw-1\n", "infinity", "connect", "--url", fake.URL, "--username", "admin", "--secret", "password", "--ca-file", fake.CA.File(t))
	if code != 0 || !strings.Contains(out, "(Infinity 36.1  [2Jlive)") {
		t.Fatalf("connect: %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, dir, "", "infinity", "status")
	if code != 0 || strings.ContainsAny(out, "\u202e\x1b") {
		t.Fatalf("status: %d %q", code, out)
	}
}
