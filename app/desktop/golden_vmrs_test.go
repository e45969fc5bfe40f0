//go:build webkit2_41

package desktop

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/store"
)

func goldenVMRService(t *testing.T, d dialogs) *VMRService {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "golden.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &VMRService{ctx: context.Background(), backend: conference.NewService(st.Conferences()), dialogs: d}
}

func vmr(name, description string, aliases []string, pin, guestPIN string, guests bool, owner string) conference.Conference {
	c := conference.Conference{Name: name, Description: description, PIN: pin, GuestPIN: guestPIN, AllowGuests: guests, PrimaryOwnerEmailAddress: owner}
	for _, a := range aliases {
		c.Aliases = append(c.Aliases, conference.Alias{Alias: a})
	}
	return c
}

// goldenVMRs are the personal VMRs a frontend test or the preview seeds.
var goldenVMRs = []conference.Conference{
	vmr("Alex Morgan’s room", "Personal meeting room of Alex Morgan", []string{"meet.alex@vc.contoso.com", "alex.morgan@vc.contoso.com", "8123456"}, "4821", "7305", true, "alex.morgan@contoso.com"),
	vmr("Board room", "Board meetings; hosts only", []string{"board@vc.fabrikam.com", "8100100"}, "739104", "", false, "priya.shah@fabrikam.com"),
	vmr("Sales weekly", "", []string{"sales@vc.contoso.com"}, "", "", true, "sam.lee@contoso.com"),
	vmr("Sam Lee’s room", "Customer calls", []string{"meet.sam@vc.contoso.com", "8123458"}, "2580", "1470", true, "sam.lee@contoso.com"),
	vmr("Support desk", "Shared by the service desk; no single owner", []string{"support@vc.contoso.com"}, "", "", false, ""),
}

const goldenCSV = `name,description,aliases,pin,guest_pin,allow_guests,primary_owner_email_address
Jordan Lee's room,Weekly team calls,meet.jordan@vc.contoso.com;8123460,1357,2468,true,jordan.lee@contoso.com
Design review,,design@vc.contoso.com 8123461,,,false,mia.chen@contoso.com
`

func goldenVMRScenarios(t *testing.T, g *goldenRecorder) {
	world := goldenVMRService(t, nil)
	for _, c := range goldenVMRs {
		if _, err := world.Create(c); err != nil {
			t.Fatalf("creating %s: %v", c.Name, FormatError(err))
		}
	}
	list, err := world.List("")
	g.record("vmrs", "VMRService.List", []any{""}, list, err)

	bad := vmr("Board room", "", []string{"meet.priya@vc.fabrikam.com", "bad alias"}, "12", "", false, "not-an-address")
	created, err := world.Create(bad)
	g.record("vmr create invalid", "VMRService.Create", []any{bad}, created, err)
	empty := conference.Conference{Aliases: []conference.Alias{}}
	created, err = world.Create(empty)
	g.record("vmr create empty", "VMRService.Create", []any{empty}, created, err)
	priya := vmr("Priya’s room", "", []string{"meet.priya@vc.fabrikam.com", "8100200"}, "2468", "", true, "Priya.Shah@fabrikam.com")
	created, err = world.Create(priya)
	g.record("vmr create Priya", "VMRService.Create", []any{priya}, created, err)

	alex := *list[0]
	alex.Description = "Alex’s own room"
	alex.Aliases[0].Description = "SIP"
	updated, err := world.Update(alex)
	g.record("vmr update Alex description", "VMRService.Update", []any{alex}, updated, err)
	err = world.Delete(999)
	g.record("vmr delete missing", "VMRService.Delete", []any{999}, nil, err)

	// The CSV import of an empty list, then the same file again, then a closed dialog.
	dir := t.TempDir()
	g.hidePath(dir)
	file := filepath.Join(dir, "Documents", "personal-vmrs.csv")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(goldenCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	imports := goldenVMRService(t, fakeDialogs{open: file})
	res, err := imports.ImportCSVFile()
	g.record("vmr import csv", "VMRService.ImportCSVFile", []any{}, res, err)
	res, err = imports.ImportCSVFile()
	g.record("vmr import csv again", "VMRService.ImportCSVFile", []any{}, res, err)
	imports.dialogs = fakeDialogs{}
	res, err = imports.ImportCSVFile()
	g.record("vmr import cancelled", "VMRService.ImportCSVFile", []any{}, res, err)
}
