package scheduler

import (
	"regexp"
	"strings"
	"testing"
)

// Seeds shared by the body fuzz targets: what the add-in and Outlook write,
// and bodies that once crashed the scheduler.
func bodySeeds() []string {
	const id = "6f1c2a9e-3b7d-4e52-9a0c-8d4f7e21b635"
	seeds := []string{
		"",
		`<p>Join</p><p style="color:#707070">vmr-companion:` + id + `</p>`,
		"<div class=WordSection1><p class=MsoNormal><span style='color:#707070'>vmr-companion:6f1c2a9e-3b7d-\r\n4e52-9a0c-8d4f7e21b635<o:p></o:p></span></p></div>",
		`<span>vmr-</span><span>companion:</span><span lang=EN-US>6F1C2A9E-3B7D-4E52-9A0C-8D4F7E21B635</span>`,
		`vmr&#45;companion:&nbsp;` + id,
		`<style>/* vmr-companion:` + id + ` */</style><p>Hi</p>`,
		`<p>Agenda</p><div class="vmr-companion-instructions"><p>Video meeting details are on their way</p></div><p>vmr-companion:pending</p>`,
		`<DIV class="VMR-COMPANION-INSTRUCTIONS"><div><div>x</div></div></DIV>VMR-COMPANION:PENDING`,
		"<html><head><style><!-- p {} --></style></head><body><!-- c --><script>x</script>vmr-companion:pending</body></html>",
		strings.Repeat("Ⱥ", 40) + "<style></style>",
		strings.Repeat("\xff", 40) + "<style>x</style>",
		"İ<script>x</script>vmr-companion:pvmr-companion:pendingending",
		strings.Repeat("<div", 50) + "vmr-companion-instructions" + strings.Repeat("</div>", 49),
	}
	for _, c := range lengthChangingBodies {
		seeds = append(seeds, c.body)
	}
	return seeds
}

var lowerUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func FuzzFindToken(f *testing.F) {
	for _, s := range bodySeeds() {
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, body, description string) {
		id, placeholder := findToken(body, description)
		if id != "" && (!lowerUUID.MatchString(id) || placeholder) {
			t.Fatalf("findToken = %q, %v: want a lower-case uuid and no placeholder", id, placeholder)
		}
		// The token is found in the text a reader sees.
		if id != "" && !strings.Contains(lowerASCII(bodyText(body)+bodyText(description)), tokenPrefix+id) {
			t.Fatalf("findToken = %q, which the text does not hold", id)
		}
	})
}

func FuzzDropBlocks(f *testing.F) {
	for _, s := range bodySeeds() {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, body string, style bool) {
		tag := "script"
		if style {
			tag = "style"
		}
		got := dropBlocks(body, tag)
		if len(got) > len(body) {
			t.Fatalf("dropBlocks grew the body: %q", got)
		}
		lower := lowerASCII(got)
		if i := strings.Index(lower, "<"+tag); i >= 0 && strings.Contains(lower[i:], "</"+tag+">") {
			t.Fatalf("a closed <%s> block was kept: %q", tag, got)
		}
		if !strings.Contains(lowerASCII(body), "<"+tag) && got != body {
			t.Fatalf("a body without <%s> changed: %q", tag, got)
		}
	})
}

func FuzzReplacePlaceholder(f *testing.F) {
	const instructions = `<div class="vmr-companion-instructions"><p>Call meet123456@vc.contoso.com</p>` +
		`<p style="color:#707070;font-size:smaller">vmr-companion:0b6f5c2e-8d1a-4f3b-9e27-5a4c3d2e1f00</p></div>`
	for _, s := range bodySeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, ok := replacePlaceholder(body, instructions)
		_, placeholder := findToken(body)
		switch {
		case !ok && got != body:
			t.Fatalf("a body left alone changed: %q", got)
		case !ok && placeholder && strings.Contains(lowerASCII(body), placeholderToken):
			t.Fatalf("a body with the placeholder was left alone: %q", body)
		case !ok:
			return
		case !placeholder:
			t.Fatalf("a body without the placeholder was written to: %q", got)
		case !strings.Contains(got, instructions):
			t.Fatalf("the instructions are missing: %q", got)
		case !strings.Contains(body, instructions) && strings.Count(got, instructions) != 1:
			t.Fatalf("the instructions are there %d times: %q", strings.Count(got, instructions), got)
		case strings.Contains(lowerASCII(strings.ReplaceAll(got, instructions, "\x01")), placeholderToken):
			t.Fatalf("the placeholder is still there: %q", got)
		}
	})
}

// FuzzInsertInstructions: the body of a meeting booked without the add-in,
// or whose block was removed, is the organizer's (and whoever they let
// write it). Whatever it holds, the block goes in once, the placeholder
// goes, nothing grows beyond the two put together, and the organizer's
// text outside an old block is kept.
func FuzzInsertInstructions(f *testing.F) {
	const instructions = `<div class="vmr-companion-instructions"><p>Call meet123456@vc.contoso.com</p>` +
		`<p style="color:#707070;font-size:smaller">vmr-companion:0b6f5c2e-8d1a-4f3b-9e27-5a4c3d2e1f00</p></div>`
	for _, s := range bodySeeds() {
		f.Add(s)
	}
	f.Add(`<html><body><p>Agenda</p></BODY></html>`)
	f.Add(`<p>Agenda</p><div class="vmr-companion-instructions"><p>Call</p><p>vmr-compan ion:0b6f</p></div><p>Bye</p>`)
	f.Add(`<div class="vmr-companion-instructions"><p>unclosed`)
	f.Fuzz(func(t *testing.T, body string) {
		got := insertInstructions(body, instructions)
		lower := lowerASCII(body)
		switch {
		case len(got) > len(body)+len(instructions):
			t.Fatalf("the body grew by more than the instructions: %q", got)
		case !strings.Contains(got, instructions):
			t.Fatalf("the instructions are missing: %q", got)
		case !strings.Contains(body, instructions) && strings.Count(got, instructions) != 1:
			t.Fatalf("the instructions are there %d times: %q", strings.Count(got, instructions), got)
		case strings.Contains(lowerASCII(strings.ReplaceAll(got, instructions, "\x01")), placeholderToken) &&
			!strings.Contains(lowerASCII(strings.ReplaceAll(body, instructions, "\x01")), placeholderToken):
			t.Fatalf("a placeholder appeared: %q", got)
		}
		// With no block, placeholder or mark of one, the block is added
		// before </body> or at the end, and nothing else changes.
		if !strings.Contains(lower, "vmr-companion") {
			at := strings.LastIndex(lower, "</body>")
			if at < 0 {
				at = len(body)
			}
			if got != body[:at]+instructions+body[at:] {
				t.Fatalf("a body without a block was changed, not added to: %q", got)
			}
		}
	})
}
