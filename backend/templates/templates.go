// Package templates checks and renders the Jinja2 templates an integration
// carries (joining instructions, conference names, replies to organizers).
//
// Templates are written by admins but fed with data from meeting organizers
// (subjects, names), so rendering is sandboxed: only a known set of filters,
// functions and tags is available, nothing can read files, HTML templates
// escape every variable, and output size and render time are bounded.
// Rendering uses gonja v2, a Go implementation of Jinja2.
package templates

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// Kind says how a template's output is used, which decides escaping.
type Kind int

const (
	// KindText templates go into plain text: replies, locations, names,
	// descriptions. Variables are inserted as they are.
	KindText Kind = iota
	// KindHTML templates become the HTML body of a meeting invitation.
	// Every variable is HTML-escaped.
	KindHTML
)

func (k Kind) String() string {
	if k == KindHTML {
		return "html"
	}
	return "text"
}

// KindOf returns the kind of an integration's template field, by its JSON
// name. Only the three instruction templates become HTML; every other field,
// known or not, is text.
func KindOf(field string) Kind {
	switch field {
	case "meeting_instructions_template",
		"placeholder_instructions_template",
		"personal_vmr_instructions_template":
		return KindHTML
	}
	return KindText
}

// Limits. They keep one bad template from slowing down or exhausting the
// service that renders templates for every scheduled meeting.
const (
	// MaxSourceChars is the longest template accepted, in characters; the
	// integration fields allow the same.
	MaxSourceChars = 12288
	// MaxOutputBytes bounds a rendered template. It also bounds every text
	// or list value a template builds while rendering.
	MaxOutputBytes = 64 << 10
	// MaxRenderTime bounds one render, whatever the caller's context says.
	MaxRenderTime = time.Second
	// MaxRangeItems is the most items range() returns, and the longest list a
	// template can build.
	MaxRangeItems = 10000
	// cacheSize is how many parsed templates an Engine keeps.
	cacheSize = 256
)

// Errors for the limits, to be matched with errors.Is.
var (
	ErrOutputTooLarge = fmt.Errorf("output exceeds %d KB", MaxOutputBytes>>10)
	ErrRenderTimeout  = fmt.Errorf("rendering took longer than %v", MaxRenderTime)
	ErrLimitExceeded  = errors.New("template limit exceeded")
)

// SyntaxError is a template that cannot be accepted: it does not parse, or
// uses a filter, function or tag that is not allowed. Line and Column are
// 1-based (Column counts characters); both are 0 when unknown.
type SyntaxError struct {
	Field   string
	Line    int
	Column  int
	Message string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("templates: %s: %s", e.Field, e.Message)
	}
	return fmt.Sprintf("templates: %s: line %d, column %d: %s", e.Field, e.Line, e.Column, e.Message)
}

// Engine parses, checks and renders templates. It keeps parsed templates in
// a bounded cache keyed by source text, so rendering the same template for
// every meeting parses it once. An Engine is safe for concurrent use.
type Engine struct {
	env   *exec.Environment
	cache *lru
	// startTimer starts a render's time limit: time.AfterFunc, or a test's
	// own, so that the test and not a wall clock decides when time is up.
	startTimer func(d time.Duration, expire func()) (stop func() bool)
	// step, when set, is called at every budget check, and ended when a
	// render's goroutine is done (tests count steps and wait on the end).
	step  func()
	ended func()
}

// New returns an Engine with its own environment and cache.
func New() *Engine {
	return &Engine{env: newEnvironment(), cache: newLRU(cacheSize), startTimer: realTimer}
}

func realTimer(d time.Duration, expire func()) func() bool {
	return time.AfterFunc(d, expire).Stop
}

// Check parses source as the template of field without rendering it. It
// returns a *SyntaxError for syntax errors and for filters, functions and
// tags that are not allowed (include, import, extends and from among them:
// templates have no access to files).
func (e *Engine) Check(field, source string) error {
	_, err := e.compile(field, source)
	return err
}

// Render renders source as the template of field with vars. Undefined
// variables render as empty text. Rendering stops with an error when it
// takes longer than MaxRenderTime (or ctx ends first), or when the output
// would exceed MaxOutputBytes.
func (e *Engine) Render(ctx context.Context, field, source string, vars map[string]any) (string, error) {
	tpl, err := e.compile(field, source)
	if err != nil {
		return "", err
	}
	return e.render(ctx, field, tpl, vars)
}

// Preview renders source with SampleVars(field), for the template editor.
func (e *Engine) Preview(ctx context.Context, field, source string) (string, error) {
	return e.Render(ctx, field, source, SampleVars(field))
}

// compile returns the checked, parsed template, from the cache when the same
// source was seen before for the same kind. Failures are cached too: the
// editor checks the same broken text repeatedly while an admin types.
func (e *Engine) compile(field, source string) (*exec.Template, error) {
	if n := utf8.RuneCountInString(source); n > MaxSourceChars {
		return nil, fmt.Errorf("templates: %s: template has %d characters, at most %d are allowed: %w", field, n, MaxSourceChars, ErrLimitExceeded)
	}
	kind := KindOf(field)
	key := cacheKey{kind: kind, source: source}
	ent, ok := e.cache.get(key)
	if !ok {
		ent = &entry{}
		ent.tpl, ent.err = compile(kind, source, e.env)
		e.cache.add(key, ent)
	}
	if ent.err != nil {
		se := *ent.err
		se.Field = field
		return nil, &se
	}
	return ent.tpl, nil
}
