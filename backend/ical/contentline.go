package ical

import (
	"bytes"
	"fmt"
	"strings"

	goical "github.com/emersion/go-ical"
)

// The content-line decoder is ours, the data model is go-ical's: go-ical's
// own decoder panics on a malformed quoted parameter (Outlook writes
// `DTSTART;TZID="W. Europe Standard Time:20200609T090000"`), stops at the
// first bad line and reports no line numbers. This one validates every line
// against RFC 5545 3.1 (with RFC 6868 parameter escapes), repairs the one
// Outlook quirk above, skips other malformed lines with a warning, and
// builds go-ical Components.

// maxDepth bounds component nesting (VCALENDAR > VEVENT > VALARM is 3).
const maxDepth = 16

// node is a go-ical component with the line numbers of it and its
// properties, kept apart because go-ical's types have no room for them.
type node struct {
	comp      *goical.Component
	line      int
	propLines []propLine // in file order; a slice, as a map per component costs more than the few lookups

	children []*node
}

func (n *node) props(name string) []goical.Prop { return n.comp.Props[name] }

// prop returns the first property called name, nil if none.
func (n *node) prop(name string) *goical.Prop { return n.comp.Props.Get(name) }

// lineOf returns the line of the i-th property called name.
func (n *node) lineOf(name string, i int) int {
	for _, pl := range n.propLines {
		if pl.name == name {
			if i == 0 {
				return pl.line
			}
			i--
		}
	}
	return n.line
}

type propLine struct {
	name string
	line int
}

// logicalLine is an unfolded content line and the physical line it starts on.
type logicalLine struct {
	text string
	num  int
}

// lineReader splits data into lines (CRLF, LF or lone CR) and joins
// folded continuations (RFC 5545 3.1: CRLF followed by one space or tab),
// one logical line at a time, so a large feed is never held twice as lines.
// Lines that are not folded are substrings of one copy of data.
type lineReader struct {
	text   string
	num    int    // physical lines read
	cur    string // the logical line so far, when not folded
	folded []byte // the logical line so far, once a continuation came
	curNum int
}

func newLineReader(data []byte) *lineReader {
	return &lineReader{text: string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))}
}

// next returns the next logical line and the physical line it starts on;
// ok is false at the end.
func (r *lineReader) next() (l logicalLine, ok bool) {
	for len(r.text) > 0 {
		line, next := r.text, ""
		if i := strings.IndexByte(r.text, '\n'); i >= 0 {
			line, next = r.text[:i], r.text[i+1:]
		}
		if c := strings.IndexByte(line, '\r'); c >= 0 && c == len(line)-1 {
			line = line[:c] // CRLF
		} else if c >= 0 {
			line, next = r.text[:c], r.text[c+1:] // a lone CR ends a line too (old Mac files)
		}
		r.text = next
		r.num++
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') && r.curNum > 0 {
			if r.folded == nil {
				r.folded = append(make([]byte, 0, 2*len(r.cur)+len(line)), r.cur...)
			}
			r.folded = append(r.folded, line[1:]...)
			continue
		}
		l, ok = r.flush()
		if len(strings.TrimSpace(line)) > 0 {
			r.cur, r.curNum = line, r.num
		}
		if ok {
			return l, true
		}
	}
	return r.flush()
}

// flush ends the logical line being read.
func (r *lineReader) flush() (logicalLine, bool) {
	if r.curNum == 0 {
		return logicalLine{}, false
	}
	l := logicalLine{r.cur, r.curNum}
	if r.folded != nil {
		l.text = string(r.folded)
	}
	r.cur, r.folded, r.curNum = "", nil, 0
	return l, true
}

// decodeLine parses one unfolded content line:
//
//	contentline = name *(";" param ) ":" value
//	param       = param-name "=" param-value *("," param-value)
//	param-value = paramtext / quoted-string
//
// Parameter values are taken from strs when given (see slab). Lines whose
// parameters are written alike (DTSTART;TZID=Europe/Oslo: 20,000 times in
// a large feed) share one Params map through params, when given: nothing
// changes a Params after decoding.
func decodeLine(s string, strs *slab[string], params *paramCache) (prop goical.Prop, err error) {
	i := indexNameEnd(s)
	if i < 0 {
		return goical.Prop{}, fmt.Errorf("no colon between the property name and its value")
	}
	name := strings.ToUpper(strings.TrimSpace(s[:i]))
	if !validName(name) {
		return goical.Prop{}, fmt.Errorf("invalid property name %q", truncate(s[:i], 40))
	}
	prop.Name = name // Params only when there are some: most lines have none
	s = s[i:]
	var rawParams string // the parameters as written, when unquoted
	if params != nil && len(s) > 0 && s[0] == ';' {
		if colon := strings.IndexByte(s, ':'); colon > 0 && strings.IndexByte(s[:colon], '"') < 0 {
			rawParams = s[:colon]
			if p, ok := params.m[rawParams]; ok {
				prop.Params, prop.Value = p, s[colon+1:]
				return prop, nil
			}
		}
	}
	for len(s) > 0 && s[0] == ';' {
		s = s[1:]
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || strings.ContainsAny(s[:eq], ";:,\"") {
			return goical.Prop{}, fmt.Errorf("property %s: parameter without name=value", name)
		}
		pname := strings.ToUpper(strings.TrimSpace(s[:eq]))
		s = s[eq+1:]
		for {
			var v string
			if len(s) > 0 && s[0] == '"' {
				end := strings.IndexByte(s[1:], '"')
				if end < 0 {
					return goical.Prop{}, fmt.Errorf("property %s: parameter %s: unterminated quoted value", name, pname)
				}
				v, s = s[1:1+end], s[2+end:]
				if s == "" {
					// Outlook's `TZID="Zone name:20200609T090000"`: the
					// closing quote landed after the value.
					c := strings.LastIndexByte(v, ':')
					if c < 0 {
						return goical.Prop{}, fmt.Errorf("property %s: no colon after parameter %s", name, pname)
					}
					v, s = v[:c], v[c:]
				}
			} else {
				end := strings.IndexAny(s, ";:,")
				if end < 0 {
					return goical.Prop{}, fmt.Errorf("property %s: no colon after parameter %s", name, pname)
				}
				v, s = s[:end], s[end:]
			}
			if prop.Params == nil {
				prop.Params = goical.Params{}
			}
			if old := prop.Params[pname]; old == nil && strs != nil {
				prop.Params[pname] = strs.one(unescapeParam(v))
			} else {
				prop.Params[pname] = append(old, unescapeParam(v))
			}
			if s[0] != ',' {
				break
			}
			s = s[1:]
		}
		if s[0] != ';' && s[0] != ':' {
			return goical.Prop{}, fmt.Errorf("property %s: unexpected %q after parameter %s", name, s[0], pname)
		}
	}
	// Only ':' can be left here: the loop above ends on it or on an error.
	prop.Value = s[1:]
	if rawParams != "" && len(params.m) < maxSharedParams {
		params.m[rawParams] = prop.Params
	}
	return prop, nil
}

// maxSharedParams bounds paramCache: a file may write each line's
// parameters differently.
const maxSharedParams = 512

// paramCache maps parameters as written to their decoded Params.
type paramCache struct{ m map[string]goical.Params }

// validName accepts iana-token and x-name (ALPHA / DIGIT / "-"); "_" too,
// which some generators use in X- names.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// unescapeParam decodes RFC 6868 escapes: ^n newline, ^' quote, ^^ caret.
func unescapeParam(v string) string {
	if !strings.Contains(v, "^") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '^' && i+1 < len(v) {
			switch v[i+1] {
			case 'n', 'N':
				b.WriteByte('\n')
				i++
				continue
			case '\'':
				b.WriteByte('"')
				i++
				continue
			case '^':
				b.WriteByte('^')
				i++
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// decodeCalendars reads every VCALENDAR of a stream (libical and iTIP
// examples put several in one file). Malformed lines are skipped with a
// warning; broken structure (END without BEGIN, truncated file) is an error.
func decodeCalendars(data []byte, warn func(line int, format string, args ...any)) ([]*node, error) {
	lines := newLineReader(data)
	first, ok := lines.next()
	if !ok {
		return nil, fmt.Errorf("not an iCalendar file: it is empty")
	}
	if strings.ToUpper(strings.TrimSpace(first.text)) != "BEGIN:VCALENDAR" {
		return nil, fmt.Errorf("not an iCalendar file: it begins with %q instead of BEGIN:VCALENDAR", truncate(first.text, 40))
	}
	var roots []*node
	var stack []*node
	var (
		props     slab[goical.Prop]
		propLines slab[propLine]
		strs      slab[string]
		params    = paramCache{m: map[string]goical.Params{}}
	)
	last := first.num
	for l, ok := first, true; ok; l, ok = lines.next() {
		last = l.num
		prop, err := decodeLine(l.text, &strs, &params)
		if err != nil {
			warn(l.num, "skipped a malformed line: %v", err)
			continue
		}
		switch prop.Name {
		case "BEGIN":
			name := strings.ToUpper(strings.TrimSpace(prop.Value))
			if !validName(name) {
				return nil, fmt.Errorf("line %d: BEGIN has an invalid component name %q", l.num, truncate(prop.Value, 40))
			}
			if len(stack) == 0 && name != goical.CompCalendar {
				return nil, fmt.Errorf("line %d: BEGIN:%s outside a VCALENDAR", l.num, name)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("line %d: components nested more than %d deep", l.num, maxDepth)
			}
			n := &node{comp: goical.NewComponent(name), line: l.num}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.comp.Children = append(parent.comp.Children, n.comp)
				parent.children = append(parent.children, n)
			} else {
				roots = append(roots, n)
			}
			stack = append(stack, n)
		case "END":
			name := strings.ToUpper(strings.TrimSpace(prop.Value))
			if len(stack) == 0 {
				return nil, fmt.Errorf("line %d: END:%s without a matching BEGIN", l.num, truncate(name, 40))
			}
			top := stack[len(stack)-1]
			if name != top.comp.Name {
				return nil, fmt.Errorf("line %d: END:%s but %s (line %d) is still open", l.num, truncate(name, 40), top.comp.Name, top.line)
			}
			stack = stack[:len(stack)-1]
		default:
			if len(stack) == 0 {
				warn(l.num, "skipped property %s outside any VCALENDAR", prop.Name)
				continue
			}
			top := stack[len(stack)-1]
			if old := top.comp.Props[prop.Name]; old == nil {
				top.comp.Props[prop.Name] = props.one(prop)
			} else {
				top.comp.Props[prop.Name] = append(old, prop)
			}
			if top.propLines == nil {
				top.propLines = propLines.room(8)
			}
			top.propLines = append(top.propLines, propLine{prop.Name, l.num})
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return nil, fmt.Errorf("line %d: the file ends inside %s (opened at line %d); it looks truncated", last, top.comp.Name, top.line)
	}
	return roots, nil
}

// slab hands out small slices of one larger array: a feed of 10,000
// events has 100,000 properties, and an allocation for each (the value
// slices of go-ical's Props and Params maps) was most of the parse time.
// A slice handed out has its capacity capped, so appending to it copies
// instead of overwriting its neighbour.
type slab[T any] struct{ buf []T }

const slabSize = 1024

// one returns a slice holding only v.
func (s *slab[T]) one(v T) []T {
	r := s.room(1)
	return append(r, v)
}

// room returns an empty slice with capacity n.
func (s *slab[T]) room(n int) []T {
	if n > slabSize/4 {
		return make([]T, 0, n)
	}
	if cap(s.buf)-len(s.buf) < n {
		s.buf = make([]T, 0, slabSize)
	}
	start := len(s.buf)
	s.buf = s.buf[:start+n]
	return s.buf[start : start : start+n]
}

// indexNameEnd finds the first ';' or ':' (strings.IndexAny is slower on
// these short names).
func indexNameEnd(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ';' || s[i] == ':' {
			return i
		}
	}
	return -1
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
