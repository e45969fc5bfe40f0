package templates_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vmr-companion/backend/templates"
)

const (
	htmlField = "meeting_instructions_template"
	textField = "conference_name_template"
)

const attack = `<img src=x onerror=alert(1)>`

func render(t *testing.T, e *templates.Engine, field, src string, vars map[string]any) string {
	t.Helper()
	out, err := e.Render(context.Background(), field, src, vars)
	if err != nil {
		t.Fatalf("Render(%q): %v", src, err)
	}
	return out
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		field string
		want  templates.Kind
	}{
		{"meeting_instructions_template", templates.KindHTML},
		{"placeholder_instructions_template", templates.KindHTML},
		{"personal_vmr_instructions_template", templates.KindHTML},
		{"personal_vmr_location_template", templates.KindText},
		{"conference_name_template", templates.KindText},
		{"reject_single_meeting_past", templates.KindText},
		{"no_such_field", templates.KindText},
	}
	for _, tt := range tests {
		t.Run(tt.field+" is "+tt.want.String(), func(t *testing.T) {
			if got := templates.KindOf(tt.field); got != tt.want {
				t.Errorf("KindOf(%q) = %v, want %v", tt.field, got, tt.want)
			}
		})
	}
}

func TestEscaping(t *testing.T) {
	vars := map[string]any{
		"subject":        attack,
		"quotes":         `a "b" & 'c'`,
		"domain_aliases": []string{"<b>a</b>@vc.example.com", "b@vc.example.com"},
		"count":          3,
	}
	tests := []struct {
		name  string
		field string
		src   string
		want  string
	}{
		{"a variable in an HTML template is escaped", htmlField,
			`<p>{{ subject }}</p>`, `<p>&lt;img src=x onerror=alert(1)&gt;</p>`},
		{"quotes and ampersands are escaped for attributes", htmlField,
			`<a title="{{ quotes }}">`, `<a title="a &#34;b&#34; &amp; &#39;c&#39;">`},
		{"a filtered variable is escaped", htmlField,
			`{{ subject|upper }}`, `&lt;IMG SRC=X ONERROR=ALERT(1)&gt;`},
		{"a list joined with join is escaped item by item", htmlField,
			`{{ domain_aliases|join("<br>") }}`, `&lt;b&gt;a&lt;/b&gt;@vc.example.com&lt;br&gt;b@vc.example.com`},
		{"a list printed whole is escaped", htmlField,
			`{{ domain_aliases }}`, `[&#39;&lt;b&gt;a&lt;/b&gt;@vc.example.com&#39;, &#39;b@vc.example.com&#39;]`},
		{"a loop variable is escaped", htmlField,
			`{% for a in domain_aliases %}{{ a }};{% endfor %}`, `&lt;b&gt;a&lt;/b&gt;@vc.example.com;b@vc.example.com;`},
		{"the alternative of an inline if is escaped", htmlField,
			`{{ count if false else subject }}`, `&lt;img src=x onerror=alert(1)&gt;`},
		{"text concatenated with ~ is escaped", htmlField,
			`{{ "x" ~ subject }}`, `x&lt;img src=x onerror=alert(1)&gt;`},
		{"a block captured with set is escaped once", htmlField,
			`{% set s %}<i>{{ subject }}</i>{% endset %}{{ s }}`, `<i>&lt;img src=x onerror=alert(1)&gt;</i>`},
		{"the template's own markup is kept", htmlField,
			`<strong>{{ count }}</strong>`, `<strong>3</strong>`},
		{"a variable in a text template is kept as is", textField,
			`{{ subject }}`, attack},
		{"a list joined in a text template is kept as is", textField,
			`{{ domain_aliases|join(", ") }}`, `<b>a</b>@vc.example.com, b@vc.example.com`},
		{"quotes in a text template are kept as is", textField,
			`{{ quotes }}`, `a "b" & 'c'`},
	}
	e := templates.NewUntimed()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, e, tt.field, tt.src, vars); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestAllowedFilters(t *testing.T) {
	vars := map[string]any{"names": []string{"Ann", "Bob", "Cy"}, "n": -4}
	tests := []struct {
		filter string
		src    string
		want   string
	}{
		{"abs", `{{ n|abs }} {{ (-2.5)|abs }}`, `4 2.5`},
		{"capitalize", `{{ "hello WORLD"|capitalize }}`, `Hello world`},
		{"default", `{{ missing|default("none") }} {{ ""|default("empty", true) }} {{ "x"|default("y") }}`, `none empty x`},
		{"first", `{{ names|first }} {{ "abc"|first }}`, `Ann a`},
		{"float", `{{ "3.5"|float }} {{ 2|float }}`, `3.5 2.0`},
		{"format", `{{ "%s has %d rooms"|format("Ann", 2) }}`, `Ann has 2 rooms`},
		{"int", `{{ "42"|int }} {{ 3.9|int }} {{ "x"|int }}`, `42 3 0`},
		{"join", `{{ names|join(", ") }} {{ [1, 2]|join }}`, `Ann, Bob, Cy 12`},
		{"last", `{{ names|last }}`, `Cy`},
		{"length", `{{ names|length }} {{ "abcd"|length }}`, `3 4`},
		{"lower", `{{ "MiXeD"|lower }}`, `mixed`},
		{"range", `{{ range(3)|join(",") }} {{ range(1, 7, 2)|join(",") }} {{ range(5, 0, -2)|join(",") }}`, `0,1,2 1,3,5 5,3,1`},
		{"replace", `{{ "a-b-c"|replace("-", "+") }} {{ "a-b-c"|replace("-", "+", 1) }}`, `a+b+c a+b-c`},
		{"round", `{{ 2.567|round(2) }} {{ 2.5|round }} {{ 2.1|round(method="ceil") }}`, `2.57 3.0 3.0`},
		{"striptags", `{{ "<p>Hi <b>there</b></p>"|striptags }}`, `Hi there`},
		{"trim", `[{{ "  x  "|trim }}]`, `[x]`},
		{"truncate", `{{ "The quick brown fox jumps"|truncate(12) }}`, `The...`},
		{"upper", `{{ "shout"|upper }}`, `SHOUT`},
	}
	e := templates.NewUntimed()
	for _, tt := range tests {
		t.Run("the "+tt.filter+" filter works", func(t *testing.T) {
			if err := e.Check(textField, tt.src); err != nil {
				t.Fatalf("Check: %v", err)
			}
			if got := render(t, e, textField, tt.src, vars); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckRejects(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // part of the message
	}{
		{"include is rejected", `{% include "/etc/passwd" %}`, "'include' is not allowed"},
		{"import is rejected", `{% import "macros.html" as m %}`, "'import' is not allowed"},
		{"from is rejected", `{% from "macros.html" import m %}`, "'from' is not allowed"},
		{"extends is rejected", `{% extends "base.html" %}`, "'extends' is not allowed"},
		{"the safe filter is rejected", `{{ subject|safe }}`, "'safe' filter is not allowed"},
		{"an unknown filter is rejected", `{{ subject|center(80) }}`, "filter 'center'"},
		{"the escape filter is rejected", `{{ subject|e }}`, "filter 'e'"},
		{"autoescape cannot be switched off", `{% autoescape false %}{{ subject }}{% endautoescape %}`, "'autoescape' is not allowed"},
		{"macros are rejected", `{% macro m() %}x{% endmacro %}`, "'macro' is not supported"},
		{"filter blocks are rejected", `{% filter upper %}x{% endfilter %}`, "'filter' tag is not supported"},
		{"unknown functions are rejected", `{{ lipsum() }}`, "unknown function 'lipsum'"},
		{"unknown tests are rejected", `{% if alias is shiny %}x{% endif %}`, "unknown test 'shiny'"},
		{"mutating methods are rejected", `{{ names.append(1) }}`, "method 'append' is not allowed"},
		{"recursive loops are rejected", `{% for a in b recursive %}{{ loop(a) }}{% endfor %}`, "recursive loops"},
		{"attribute assignment is rejected", `{% set a.b = 1 %}`, "plain names only"},
	}
	e := templates.NewUntimed()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, field := range []string{htmlField, textField} {
				err := e.Check(field, tt.src)
				var se *templates.SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("Check(%s) = %v, want a *SyntaxError", field, err)
				}
				if se.Field != field || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Check(%s) = %q, want it to name %s and contain %q", field, err, field, tt.want)
				}
				if !strings.HasPrefix(err.Error(), "templates: "+field+": ") {
					t.Errorf("message %q lacks the templates: prefix", err)
				}
			}
		})
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	tests := []struct {
		name       string
		src        string
		line, col  int
		msgContain string
	}{
		{"an unclosed if is reported where the template ends", "<p>\n{{ alias }}\n  {% if numeric_alias %}", 3, 25, "endif"},
		{"a filter without a name is reported on line 3", "line one\nline two\n  {{ alias | }}", 3, 14, "filter name"},
		{"a broken delimiter is reported on line 3", "a\nb\nxx{{ alias }", 3, 13, "delimiter"},
		{"include on line 3 is reported at the tag", "a\nb\n  {% include 'x' %}", 3, 6, "include"},
		{"the safe filter on line 3 is reported at the filter", "a\nb\n{{ alias|safe }}", 3, 10, "safe"},
		{"columns count characters, not bytes", "a\nb\n«é» {{ x|nope }}", 3, 10, "nope"},
		{"windows line endings count as one", "a\r\nb\r\n  {{ x|nope }}", 3, 8, "nope"},
		{"a stray endif is reported", "x\n  {% endif %}", 2, 6, "endif"},
	}
	e := templates.NewUntimed()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Check(htmlField, tt.src)
			var se *templates.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Check = %v, want a *SyntaxError", err)
			}
			if se.Line != tt.line || se.Column != tt.col || !strings.Contains(se.Message, tt.msgContain) {
				t.Errorf("got line %d, column %d, %q; want line %d, column %d, containing %q", se.Line, se.Column, se.Message, tt.line, tt.col, tt.msgContain)
			}
			want := fmt.Sprintf("templates: %s: line %d, column %d: ", htmlField, tt.line, tt.col)
			if !strings.HasPrefix(se.Error(), want) {
				t.Errorf("Error() = %q, want prefix %q", se.Error(), want)
			}
		})
	}
}

func TestUndefinedVariables(t *testing.T) {
	tests := []struct {
		name  string
		field string
		src   string
		want  string
	}{
		{"an undefined variable renders as empty in HTML", htmlField, `[{{ nothing }}]`, `[]`},
		{"an undefined variable renders as empty in text", textField, `[{{ nothing }}]`, `[]`},
		{"an undefined variable is false in if", textField, `{% if nothing %}yes{% else %}no{% endif %}`, `no`},
		{"an undefined variable takes the default", textField, `{{ nothing|default("fallback") }}`, `fallback`},
		{"an undefined list loops zero times", textField, `{% for x in nothing %}x{% else %}empty{% endfor %}`, `empty`},
	}
	e := templates.NewUntimed()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, e, tt.field, tt.src, nil); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	big := strings.Repeat("x", 40<<10)
	tests := []struct {
		name string
		src  string
		is   error
		want string
	}{
		{"output over the maximum is refused", `{% for i in range(100) %}{{ kb }}{% endfor %}`,
			templates.ErrOutputTooLarge, "output exceeds 64 KB"},
		{"one large variable is refused as output", `{{ big }}{{ big }}`,
			templates.ErrOutputTooLarge, "output exceeds 64 KB"},
		{"a huge range is refused", `{% for i in range(100000000) %}{% endfor %}`,
			templates.ErrLimitExceeded, "range() is limited to 10000 items"},
		{"text repetition cannot allocate a huge text", `{{ "x" * 1000000000000 }}`,
			templates.ErrLimitExceeded, "grew beyond"},
		{"a default filter does not hide a limit", `{{ ("x" * 1000000000000)|default("ok") }}`,
			templates.ErrLimitExceeded, "grew beyond"},
		{"doubling a value with set is refused", `{% set a = big %}{% set a = a ~ a %}{% set a = a ~ a %}{% set a = a ~ a %}{{ a|length }}`,
			templates.ErrLimitExceeded, "grew beyond"},
		{"replace cannot multiply a text", `{{ huge|replace("", "yy") }}`,
			templates.ErrLimitExceeded, "replace()"},
		{"format cannot pad a text hugely", `{{ "%999999s"|format("a") }}`,
			templates.ErrLimitExceeded, "format()"},
	}
	e := templates.NewUntimed()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.Check(htmlField, tt.src); err != nil {
				t.Fatalf("Check: %v", err)
			}
			_, err := e.Render(context.Background(), htmlField, tt.src, map[string]any{
				"kb": strings.Repeat("k", 1<<10), "big": big, "huge": strings.Repeat("h", 100<<10),
			})
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Render error = %v, want %v containing %q", err, tt.is, tt.want)
			}
		})
	}

	t.Run("a template longer than the maximum is refused", func(t *testing.T) {
		src := strings.Repeat("é", templates.MaxSourceChars+1)
		if err := e.Check(textField, src); !errors.Is(err, templates.ErrLimitExceeded) {
			t.Errorf("Check = %v, want ErrLimitExceeded", err)
		}
		if err := e.Check(textField, src[:len(src)-2]); err != nil {
			t.Errorf("Check at the maximum = %v", err)
		}
	})
}

// renderClock is a render time limit the test ends, with counts of the
// budget checks a render makes: the test decides when time is up, by steps,
// so no test depends on how fast the machine is.
type renderClock struct {
	steps   atomic.Int64
	fireAt  int64         // expire at this step; 0: never
	atFire  func()        // what "time is up" does: the timer's expire, or a test's own
	expire  func()        // the render's timer, once started
	limit   time.Duration // the duration the timer was started with
	stopped atomic.Bool   // the render stopped its timer
	fired   atomic.Int64  // the step at which time ran out
	ended   chan struct{} // the render's goroutine is done
	mu      sync.Mutex
}

func newRenderClock(fireAt int64) *renderClock {
	return &renderClock{fireAt: fireAt, ended: make(chan struct{}, 1)}
}

func (c *renderClock) engine() *templates.Engine {
	return templates.NewForTest(c.start, c.step, func() { c.ended <- struct{}{} })
}

func (c *renderClock) start(d time.Duration, expire func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit, c.expire = d, expire
	return func() bool { c.stopped.Store(true); return true }
}

func (c *renderClock) step() {
	if n := c.steps.Add(1); n == c.fireAt {
		c.fired.Store(n)
		c.mu.Lock()
		f := c.atFire
		if f == nil {
			f = c.expire
		}
		c.mu.Unlock()
		f()
	}
}

func TestTimeLimit(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"nested loops that print nothing stop at the time limit",
			`{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}`},
		{"loops over a stored range stop at the time limit",
			`{% set r = range(10000) %}{% for i in r %}{% for j in r %}{% for k in r %}{% endfor %}{% endfor %}{% endfor %}`},
		{"loops that print stop at the time limit",
			`{% for i in range(10000) %}{% for j in range(10000) %}{{ "" }}{% endfor %}{% endfor %}`},
	}
	// Time runs out deep inside the loops, at the 5000th budget check; the
	// loops would go on for 10^8 iterations or more.
	const fireAt = 5000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newRenderClock(fireAt)
			_, err := c.engine().Render(context.Background(), textField, tt.src, nil)
			if !errors.Is(err, templates.ErrRenderTimeout) || !strings.Contains(err.Error(), "rendering took longer than 1s") {
				t.Fatalf("Render error = %v, want ErrRenderTimeout", err)
			}
			if c.limit != templates.MaxRenderTime {
				t.Errorf("the timer was started with %v, want MaxRenderTime", c.limit)
			}
			if c.fired.Load() != fireAt {
				t.Fatalf("time ran out at step %d, want %d", c.fired.Load(), fireAt)
			}
			// The render goroutine ends at the very check that found its
			// time up, not 10^8 iterations later.
			<-c.ended
			if extra := c.steps.Load() - fireAt; extra != 0 {
				t.Errorf("the render went on for %d budget checks after its time ran out", extra)
			}
			if !c.stopped.Load() {
				t.Error("the render did not stop its timer")
			}
		})
	}

	t.Run("a render that finishes in time stops its timer", func(t *testing.T) {
		c := newRenderClock(0)
		if out := render(t, c.engine(), textField, `{% for i in range(3) %}{{ i }}{% endfor %}`, nil); out != "012" {
			t.Fatalf("got %q", out)
		}
		<-c.ended
		if !c.stopped.Load() {
			t.Error("the timer is still running")
		}
	})

	t.Run("the caller's context stops a render", func(t *testing.T) {
		// The timer never fires: only the caller's cancellation can end it.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := newRenderClock(fireAt)
		c.atFire = cancel
		_, err := c.engine().Render(ctx, textField, tests[0].src, nil)
		if !errors.Is(err, context.Canceled) || errors.Is(err, templates.ErrRenderTimeout) {
			t.Errorf("Render error = %v, want context.Canceled", err)
		}
		<-c.ended
		if extra := c.steps.Load() - fireAt; extra != 0 {
			t.Errorf("the render went on for %d budget checks after the cancellation", extra)
		}
	})

	t.Run("a context already ended renders nothing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c := newRenderClock(0)
		if _, err := c.engine().Render(ctx, textField, "x", nil); !errors.Is(err, context.Canceled) {
			t.Errorf("Render error = %v, want context.Canceled", err)
		}
		if c.steps.Load() != 0 || c.limit != 0 {
			t.Errorf("%d budget checks and a timer of %v for a render that should not start", c.steps.Load(), c.limit)
		}
	})

	t.Run("with the real clock a render ends at MaxRenderTime", func(t *testing.T) {
		// No duration is compared: the loops run for far longer than a
		// second on any machine, so only the real timer can end them.
		_, err := templates.New().Render(context.Background(), textField, tests[0].src, nil)
		if !errors.Is(err, templates.ErrRenderTimeout) {
			t.Fatalf("Render error = %v, want ErrRenderTimeout", err)
		}
	})
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"an attribute of an undefined variable names the expression", "a\n{{ nothing.attr }}", "line 2: nothing.attr: an undefined value"},
		{"a division by zero is an error, not a crash", `{{ 1 % 0 }}`, "divide by zero"},
		{"range needs whole numbers", `{{ range("a") }}`, "range() takes whole numbers"},
	}
	e := templates.NewUntimed()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Render(context.Background(), textField, tt.src, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "templates: "+textField+": ") {
				t.Errorf("Render error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestConcurrentRendering(t *testing.T) {
	e := templates.NewUntimed()
	sources := []string{
		`{% for a in domain_aliases %}<a href="sip:{{ a }}">{{ a }}</a>{% endfor %}`,
		`<p>{{ name }}</p>{% if allow_guests %}{{ guest_pin }}{% endif %}`,
		`{{ numeric_aliases|join(", ") }} {{ name|upper }}`,
	}
	want := make([]string, len(sources))
	for i, src := range sources {
		want[i] = render(t, e, "personal_vmr_instructions_template", src, templates.SampleVars("personal_vmr_instructions_template"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				k := (g + i) % len(sources)
				// Half the renders go through Preview, half through
				// Render with their own vars.
				var out string
				var err error
				if i%2 == 0 {
					out, err = e.Preview(context.Background(), "personal_vmr_instructions_template", sources[k])
				} else {
					out, err = e.Render(context.Background(), "personal_vmr_instructions_template", sources[k], templates.SampleVars("personal_vmr_instructions_template"))
				}
				if errors.Is(err, templates.ErrRenderTimeout) {
					// A starved CPU (the race detector, a busy test
					// machine) can make a render miss its deadline;
					// that is the limit working, not a race.
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				if out != want[k] {
					errs <- fmt.Errorf("source %d rendered %q, want %q", k, out, want[k])
					return
				}
				if err := e.Check(textField, fmt.Sprintf("{{ subject }} %d", i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	t.Run("many goroutines render the same templates consistently", func(t *testing.T) {
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestPreview(t *testing.T) {
	e := templates.NewUntimed()
	tests := []struct {
		name  string
		field string
		src   string
		want  string
	}{
		{"the meeting instructions preview shows the sample alias", "meeting_instructions_template",
			`{{ alias }} {{ numeric_alias }} {{ addin_server_domain }}`, "meet.123456@vc.example.com 123456 addins.example.com"},
		{"the conference name preview keeps the subject's characters", "conference_name_template",
			`{{ subject }}`, `Budget review <b>Q3</b> & "next steps" for Sam's team`},
		{"the personal instructions preview escapes the room name", "personal_vmr_instructions_template",
			`{{ name }}`, `Alex Morgan&#39;s room &lt;Sales &amp; &#34;Support&#34;&gt;`},
		{"the general error preview has a correlation id", "reject_general_error_template",
			`{{ correlation_id|length }}`, "36"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.Preview(context.Background(), tt.field, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("sample variables are a new map on every call", func(t *testing.T) {
		a := templates.SampleVars("meeting_instructions_template")
		a["alias"] = "changed"
		if b := templates.SampleVars("meeting_instructions_template"); b["alias"] == "changed" {
			t.Error("SampleVars returned a shared map")
		}
	})
}

func ExampleEngine_Render() {
	e := templates.NewUntimed()
	src := `<p>Join {{ subject }} at <a href="sip:{{ alias }}">{{ alias }}</a></p>`
	out, err := e.Render(context.Background(), "meeting_instructions_template", src, map[string]any{
		"subject": "<b>Weekly</b> sync",
		"alias":   "meet.123456@vc.example.com",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out)
	// Output: <p>Join &lt;b&gt;Weekly&lt;/b&gt; sync at <a href="sip:meet.123456@vc.example.com">meet.123456@vc.example.com</a></p>
}
