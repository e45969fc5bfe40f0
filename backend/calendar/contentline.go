package calendar

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/emersion/go-ical"
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
	comp      *ical.Component
	line      int
	propLines map[string][]int // per property name, in the order of comp.Props[name]
	children  []*node
}

func (n *node) props(name string) []ical.Prop { return n.comp.Props[name] }

// prop returns the first property called name, nil if none.
func (n *node) prop(name string) *ical.Prop { return n.comp.Props.Get(name) }

// lineOf returns the line of the i-th property called name.
func (n *node) lineOf(name string, i int) int {
	if l := n.propLines[name]; i < len(l) {
		return l[i]
	}
	return n.line
}

// logicalLine is an unfolded content line and the physical line it starts on.
type logicalLine struct {
	text string
	num  int
}

// unfold splits data into lines (CRLF, LF or lone CR) and joins folded
// continuations (RFC 5545 3.1: CRLF followed by one space or tab).
func unfold(data []byte) []logicalLine {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out []logicalLine
	var cur strings.Builder
	curNum, num := 0, 0
	flush := func() {
		if curNum > 0 {
			out = append(out, logicalLine{cur.String(), curNum})
		}
		cur.Reset()
		curNum = 0
	}
	for len(data) > 0 {
		num++
		i := bytes.IndexAny(data, "\r\n")
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line = data[:i]
			if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
				data = data[i+2:]
			} else {
				data = data[i+1:]
			}
		}
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') && curNum > 0 {
			cur.Write(line[1:])
			continue
		}
		flush()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		cur.Write(line)
		curNum = num
	}
	flush()
	return out
}

// decodeLine parses one unfolded content line:
//
//	contentline = name *(";" param ) ":" value
//	param       = param-name "=" param-value *("," param-value)
//	param-value = paramtext / quoted-string
func decodeLine(s string) (*ical.Prop, error) {
	i := strings.IndexAny(s, ";:")
	if i < 0 {
		return nil, fmt.Errorf("no colon between the property name and its value")
	}
	name := strings.ToUpper(strings.TrimSpace(s[:i]))
	if !validName(name) {
		return nil, fmt.Errorf("invalid property name %q", truncate(s[:i], 40))
	}
	prop := &ical.Prop{Name: name, Params: ical.Params{}}
	s = s[i:]
	for len(s) > 0 && s[0] == ';' {
		s = s[1:]
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || strings.ContainsAny(s[:eq], ";:,\"") {
			return nil, fmt.Errorf("property %s: parameter without name=value", name)
		}
		pname := strings.ToUpper(strings.TrimSpace(s[:eq]))
		s = s[eq+1:]
		for {
			var v string
			if len(s) > 0 && s[0] == '"' {
				end := strings.IndexByte(s[1:], '"')
				if end < 0 {
					return nil, fmt.Errorf("property %s: parameter %s: unterminated quoted value", name, pname)
				}
				v, s = s[1:1+end], s[2+end:]
				if s == "" {
					// Outlook's `TZID="Zone name:20200609T090000"`: the
					// closing quote landed after the value.
					c := strings.LastIndexByte(v, ':')
					if c < 0 {
						return nil, fmt.Errorf("property %s: no colon after parameter %s", name, pname)
					}
					v, s = v[:c], v[c:]
				}
			} else {
				end := strings.IndexAny(s, ";:,")
				if end < 0 {
					return nil, fmt.Errorf("property %s: no colon after parameter %s", name, pname)
				}
				v, s = s[:end], s[end:]
			}
			prop.Params[pname] = append(prop.Params[pname], unescapeParam(v))
			if s[0] != ',' {
				break
			}
			s = s[1:]
		}
		if s[0] != ';' && s[0] != ':' {
			return nil, fmt.Errorf("property %s: unexpected %q after parameter %s", name, s[0], pname)
		}
	}
	// Only ':' can be left here: the loop above ends on it or on an error.
	prop.Value = s[1:]
	return prop, nil
}

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
	lines := unfold(data)
	if len(lines) == 0 {
		return nil, fmt.Errorf("not an iCalendar file: it is empty")
	}
	first := strings.ToUpper(strings.TrimSpace(lines[0].text))
	if first != "BEGIN:VCALENDAR" {
		return nil, fmt.Errorf("not an iCalendar file: it begins with %q instead of BEGIN:VCALENDAR", truncate(lines[0].text, 40))
	}
	var roots []*node
	var stack []*node
	for _, l := range lines {
		prop, err := decodeLine(l.text)
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
			if len(stack) == 0 && name != ical.CompCalendar {
				return nil, fmt.Errorf("line %d: BEGIN:%s outside a VCALENDAR", l.num, name)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("line %d: components nested more than %d deep", l.num, maxDepth)
			}
			n := &node{comp: ical.NewComponent(name), line: l.num, propLines: map[string][]int{}}
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
			top.comp.Props.Add(prop)
			top.propLines[prop.Name] = append(top.propLines[prop.Name], l.num)
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return nil, fmt.Errorf("line %d: the file ends inside %s (opened at line %d); it looks truncated", lines[len(lines)-1].num, top.comp.Name, top.line)
	}
	return roots, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
