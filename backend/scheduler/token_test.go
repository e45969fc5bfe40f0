package scheduler

import "testing"

func TestFindToken(t *testing.T) {
	const id = "6f1c2a9e-3b7d-4e52-9a0c-8d4f7e21b635"
	cases := []struct {
		name, body  string
		want        string
		placeholder bool
	}{
		{"as inserted", `<p>Join</p><p style="color:#707070">vmr-companion:` + id + `</p>`, id, false},
		{"rewrapped by Outlook", "<div class=WordSection1><p class=MsoNormal><span style='color:#707070'>vmr-companion:6f1c2a9e-3b7d-\r\n4e52-9a0c-8d4f7e21b635<o:p></o:p></span></p></div>", id, false},
		{"split into spans", `<span>vmr-</span><span>companion:</span><span lang=EN-US>6F1C2A9E-3B7D-4E52-9A0C-8D4F7E21B635</span>`, id, false},
		{"entities and nbsp", `vmr&#45;companion:&nbsp;6f1c2a9e-3b7d-4e52-9a0c-8d4f7e21b635`, id, false},
		{"in a style block only", `<style>/* vmr-companion:` + id + ` */</style><p>Hi</p>`, "", false},
		{"plain text", "Join here\nvmr-companion:" + id + "\n", id, false},
		{"placeholder", `<p>Details follow</p><p>vmr-companion:pending</p>`, "", true},
		{"none", `<p>Lunch</p>`, "", false},
		{"not a uuid", `vmr-companion:1234`, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ph := findToken(c.body)
			if got != c.want || ph != c.placeholder {
				t.Fatalf("findToken = %q, %v; want %q, %v", got, ph, c.want, c.placeholder)
			}
		})
	}
}
