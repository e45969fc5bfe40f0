package scheduler

import (
	"strings"
	"testing"
)

// Bodies whose lower-cased form has another byte length than the body:
// positions found in one must never be used to slice the other.
var lengthChangingBodies = []struct{ name, body string }{
	// U+023A lower-cases to U+2C65, one byte longer.
	{"capital A with stroke before a style block", strings.Repeat("Ⱥ", 40) + "<style></style>"},
	{"invalid UTF-8 before a style block", strings.Repeat("\xff", 40) + "<style>x</style><p>after</p>"},
	// U+0130 lower-cases to "i̇", one byte longer.
	{"dotted capital I around a script", "İİİ<script>x</script>İ<SCRIPT>y</SCRIPT>z"},
	// U+2126 (Ohm) lower-cases to U+03C9, one byte shorter.
	{"ohm signs before an unclosed style", strings.Repeat("Ω", 10) + "<style>never closed"},
}

func TestDropBlocksKeepsByteOffsetsOfTheBody(t *testing.T) {
	for _, c := range lengthChangingBodies {
		t.Run(c.name, func(t *testing.T) {
			got := dropBlocks(dropBlocks(c.body, "style"), "script")
			if strings.Contains(strings.ToLower(got), "<style></style>") || strings.Contains(got, "<script>") {
				t.Fatalf("a closed block was kept: %q", got)
			}
		})
	}
	if got := dropBlocks("ȺȺ<STYLE>p{}</Style>tail", "style"); got != "ȺȺtail" {
		t.Fatalf("dropBlocks = %q, want the text around the block", got)
	}
}

func TestFindTokenSurvivesLengthChangingBodies(t *testing.T) {
	const id = "6f1c2a9e-3b7d-4e52-9a0c-8d4f7e21b635"
	for _, c := range lengthChangingBodies {
		t.Run(c.name, func(t *testing.T) {
			if got, _ := findToken(c.body + "<p>vmr-companion:" + id + "</p>"); got != id {
				t.Fatalf("findToken = %q, want %s", got, id)
			}
		})
	}
}

func TestReplacePlaceholderKeepsByteOffsetsOfTheBody(t *testing.T) {
	const instructions = `<div class="vmr-companion-instructions"><p>Call meet123@vc.contoso.com</p></div>`
	for _, c := range []struct{ name, body string }{
		{"capital A with stroke before the block", strings.Repeat("Ⱥ", 40) + `<DIV class="vmr-companion-instructions"><div>On their way</div></DIV><p>vmr-companion:pending</p>`},
		{"invalid UTF-8 before the block", strings.Repeat("\xff", 40) + `<div class="VMR-Companion-Instructions">on their way</div>vmr-companion:PENDING`},
		{"dotted capital I everywhere", `İ<div class="vmr-companion-instructions">İ<div>İ</div>İ</div>İ vmr-companion:pending İ`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := replacePlaceholder(c.body, instructions)
			if !ok || strings.Count(got, instructions) != 1 || strings.Contains(strings.ToLower(got), placeholderToken) || strings.Contains(strings.ToLower(got), "on their way") {
				t.Fatalf("replacePlaceholder = %q, %v", got, ok)
			}
		})
	}
}

func TestReplacePlaceholderNeverAppends(t *testing.T) {
	const instructions = `<p>Call meet123@vc.contoso.com</p>`
	for _, body := range []string{
		`<html><body><p>Lunch, no video room</p></body></html>`,
		`<div class="vmr-companion-instructions"><p>Call meet999@vc.contoso.com</p></div><p>vmr-companion:6f1c2a9e-3b7d-4e52-9a0c-8d4f7e21b635</p>`,
		``,
	} {
		if got, ok := replacePlaceholder(body, instructions); ok || got != body {
			t.Fatalf("a body without the placeholder was changed: %q, %v", got, ok)
		}
	}
	// The token alone (Outlook dropped the block's markup): it becomes the
	// instructions, in place.
	got, ok := replacePlaceholder("<p>Agenda</p><p>vmr-companion:pending</p><p>Bye</p>", instructions)
	if !ok || got != "<p>Agenda</p><p>"+instructions+"</p><p>Bye</p>" {
		t.Fatalf("replacePlaceholder = %q, %v", got, ok)
	}
}

func TestReplacePlaceholderReplacesOnlyTheBlock(t *testing.T) {
	const instructions = `<p>Call meet123@vc.contoso.com</p>`
	cases := []struct{ name, body, want string }{
		{"nested block", `<div class=WordSection1><p>Hi</p><div class="vmr-companion-instructions"><div>a</div><div>b</div></div><p>Bye</p></div><p>vmr-companion:pending</p>`,
			`<div class=WordSection1><p>Hi</p>` + instructions + `<p>Bye</p></div><p></p>`},
		{"marker in the text, not a class", `<div class=WordSection1><p>Hi, see vmr-companion-instructions</p><p>vmr-companion:pending</p></div>`,
			`<div class=WordSection1><p>Hi, see vmr-companion-instructions</p><p>` + instructions + `</p></div>`},
		{"block never closed", `<div class="vmr-companion-instructions">` + strings.Repeat("<div>", 1000) + `vmr-companion:pending`,
			`<div class="vmr-companion-instructions">` + strings.Repeat("<div>", 1000) + instructions},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, ok := replacePlaceholder(c.body, instructions); !ok || got != c.want {
				t.Fatalf("replacePlaceholder =\n%q, %v; want\n%q", got, ok, c.want)
			}
		})
	}
}
