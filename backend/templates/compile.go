package templates

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// allowedFilters are the Jinja2 filters integrations may use: the set known
// to be allowed in Pexip Infinity's templates, so templates move between the
// two. "safe" is deliberately absent: it would let organizer-supplied text
// through unescaped.
var allowedFilters = map[string]bool{
	"abs": true, "capitalize": true, "default": true, "first": true,
	"float": true, "format": true, "int": true, "join": true, "last": true,
	"length": true, "lower": true, "replace": true, "round": true,
	"striptags": true, "trim": true, "truncate": true, "upper": true,
}

// allowedFunctions can be called by name. range is the only one; it is
// listed with the filters in the integration documentation.
var allowedFunctions = map[string]bool{"range": true}

// loopMethods are the callables of the loop variable in a for loop.
var loopMethods = map[string]bool{"cycle": true, "changed": true}

// forbiddenTags are Jinja2 tags that exist but are refused, with the reason.
var forbiddenTags = map[string]string{
	"include":    "'include' is not allowed: templates cannot load other templates or files",
	"import":     "'import' is not allowed: templates cannot load other templates or files",
	"from":       "'from' is not allowed: templates cannot load other templates or files",
	"extends":    "'extends' is not allowed: templates cannot load other templates or files",
	"block":      "'block' is not allowed: templates cannot extend other templates",
	"autoescape": "'autoescape' is not allowed: HTML templates always escape variables and text templates never do",
	"macro":      "'macro' is not supported in these templates",
	"call":       "'call' is not supported in these templates",
	"filter":     "the 'filter' tag is not supported in these templates; apply filters to variables instead",
	"do":         "'do' is not supported in these templates",
	"trans":      "'trans' is not supported in these templates",
}

// Internal filters inserted by compile. Their names cannot be written in a
// template (they are not identifiers), and Check refuses unknown filters.
const (
	filterOutHTML = "internal:html"   // escapes one {{ }} output
	filterOutText = "internal:text"   // bounds one {{ }} output
	filterAdd     = "internal:add"    // a + b, bounded
	filterMul     = "internal:mul"    // a * b, bounded
	filterConcat  = "internal:concat" // a ~ b, bounded
	filterLiteral = "internal:lit"    // [..], (..), {..} literals, bounded
)

const rootName = "template"

// noFiles serves the one template being compiled and nothing else, so even a
// tag that slipped through could not read the filesystem.
type noFiles struct{ source string }

var errNoFiles = errors.New("templates cannot load other templates or files")

func (l noFiles) Read(path string) (io.Reader, error) {
	if path != rootName {
		return nil, errNoFiles
	}
	return strings.NewReader(l.source), nil
}
func (noFiles) Resolve(string) (string, error)         { return "", errNoFiles }
func (noFiles) Inherit(string) (loaders.Loader, error) { return nil, errNoFiles }

func newConfig(kind Kind) *config.Config {
	c := config.New()
	// join and block-set consult AutoEscape; outputs are escaped by
	// filterOutHTML whatever their type.
	c.AutoEscape = kind == KindHTML
	return c
}

// compile checks source, parses it and rewrites the tree so that rendering
// stays within bounds. Errors are *SyntaxError without Field.
func compile(kind Kind, source string, env *exec.Environment) (*exec.Template, *SyntaxError) {
	c := &compiler{kind: kind, pos: newPositions(source), tests: env.Tests}
	cfg := newConfig(kind)
	if err := c.prescan(source, cfg); err != nil {
		return nil, err
	}
	tpl, err := exec.NewTemplate(rootName, cfg, noFiles{source}, env)
	if err != nil {
		return nil, c.parseError(err)
	}
	root := tpl.Root()
	if root.Parent != nil || len(root.Blocks) > 0 || len(root.Macros) > 0 {
		return nil, &SyntaxError{Message: "blocks, macros and template inheritance are not supported"}
	}
	if err := c.nodes(root.Nodes); err != nil {
		return nil, err
	}
	return tpl, nil
}

type compiler struct {
	kind  Kind
	pos   positions
	tests *exec.TestSet
}

// prescan reports lexer errors and refused tags with their position before
// gonja parses, whose own messages for these are vague or positionless.
func (c *compiler) prescan(source string, cfg *config.Config) *SyntaxError {
	st := tokens.LexAll(source, cfg)
	var prev *tokens.Token
	for {
		t := st.Current()
		if t == nil || t.Type == tokens.EOF {
			return nil
		}
		if t.Type == tokens.Error {
			line, col := c.pos.offset(t.Pos)
			return &SyntaxError{Line: line, Column: col, Message: tidy(t.Val)}
		}
		if prev != nil && prev.Type == tokens.BlockBegin && t.Type == tokens.Name {
			if msg, ok := forbiddenTags[t.Val]; ok {
				return c.errorAt(t, "%s", msg)
			}
		}
		prev = t
		if st.End() {
			return nil
		}
		st.Next()
	}
}

func (c *compiler) errorAt(t *tokens.Token, format string, args ...any) *SyntaxError {
	e := &SyntaxError{Message: fmt.Sprintf(format, args...)}
	if t != nil {
		e.Line, e.Column = c.pos.at(t.Line, t.Col)
	}
	return e
}

func (c *compiler) parseError(err error) *SyntaxError {
	var se *parser.SyntaxError
	if errors.As(err, &se) {
		line, col := c.pos.at(se.Line, se.Column)
		return &SyntaxError{Line: line, Column: col, Message: tidy(se.Message)}
	}
	// Other parse errors carry no position; show the innermost message, as
	// the outer ones repeat the whole source.
	for next := errors.Unwrap(err); next != nil; next = errors.Unwrap(next) {
		err = next
	}
	return &SyntaxError{Message: tidy(err.Error())}
}

var unknownTag = regexp.MustCompile(`^ControlStructure '([^']*)' not found \(or beginning not provided\)$`)

// tidy turns gonja's messages into this package's style: lowercase, no
// final period, no internal names.
func tidy(msg string) string {
	msg = strings.TrimSpace(msg)
	msg = strings.TrimSuffix(msg, ".")
	if m := unknownTag.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown tag '%s', or a closing tag without its opening tag", m[1])
	}
	msg = strings.ReplaceAll(msg, "Unexpected EOF", "unexpected end of template")
	msg = strings.ReplaceAll(msg, "controlStructure", "tag")
	r, size := utf8.DecodeRuneInString(msg)
	if next, _ := utf8.DecodeRuneInString(msg[size:]); unicode.IsUpper(r) && !unicode.IsUpper(next) {
		msg = string(unicode.ToLower(r)) + msg[size:]
	}
	return msg
}

func (c *compiler) nodes(list []nodes.Node) *SyntaxError {
	for _, n := range list {
		if err := c.node(n); err != nil {
			return err
		}
	}
	return nil
}

func (c *compiler) wrapper(w *nodes.Wrapper) *SyntaxError {
	if w == nil {
		return nil
	}
	return c.nodes(w.Nodes)
}

func (c *compiler) node(n nodes.Node) *SyntaxError {
	switch n := n.(type) {
	case *nodes.Data, *nodes.Comment:
		return nil
	case *nodes.Output:
		var err *SyntaxError
		if n.Expression, err = c.output(n.Expression); err != nil {
			return err
		}
		if n.Condition != nil {
			if n.Condition, err = c.expr(n.Condition); err != nil {
				return err
			}
		}
		if n.Alternative != nil {
			if n.Alternative, err = c.output(n.Alternative); err != nil {
				return err
			}
		}
		return nil
	case *nodes.ControlStructureBlock:
		return c.tag(n)
	case *nodes.Wrapper:
		return c.wrapper(n)
	}
	return c.errorAt(n.Position(), "unsupported template element %s", n)
}

func (c *compiler) tag(b *nodes.ControlStructureBlock) *SyntaxError {
	switch cs := b.ControlStructure.(type) {
	case *controlStructures.IfControlStructure:
		for i := range cs.Conditions {
			var err *SyntaxError
			if cs.Conditions[i], err = c.expr(cs.Conditions[i]); err != nil {
				return err
			}
		}
		for _, w := range cs.Wrappers {
			if err := c.wrapper(w); err != nil {
				return err
			}
		}
		return nil
	case *controlStructures.ForControlStructure:
		if cs.Recursive {
			return c.errorAt(b.Location, "recursive loops are not supported in these templates")
		}
		var err *SyntaxError
		if cs.ObjectEvaluator, err = c.expr(cs.ObjectEvaluator); err != nil {
			return err
		}
		if cs.IfCondition != nil {
			if cs.IfCondition, err = c.expr(cs.IfCondition); err != nil {
				return err
			}
		}
		if err := c.wrapper(cs.BodyWrapper); err != nil {
			return err
		}
		if err := c.wrapper(cs.EmptyWrapper); err != nil {
			return err
		}
		// A budget check at the start of every iteration lets nested loops
		// that print nothing still stop at the time limit.
		cs.BodyWrapper.Nodes = append([]nodes.Node{&nodes.ControlStructureBlock{
			Location:         b.Location,
			Name:             "internal:check",
			ControlStructure: checkpoint{at: b.Location},
		}}, cs.BodyWrapper.Nodes...)
		return nil
	case *setTag:
		var err *SyntaxError
		if cs.value != nil {
			if cs.value, err = c.expr(cs.value); err != nil {
				return err
			}
		}
		if cs.cond != nil {
			if cs.cond, err = c.expr(cs.cond); err != nil {
				return err
			}
		}
		if cs.alt != nil {
			if cs.alt, err = c.expr(cs.alt); err != nil {
				return err
			}
		}
		return c.wrapper(cs.body)
	case *withTag:
		for i := range cs.values {
			var err *SyntaxError
			if cs.values[i], err = c.expr(cs.values[i]); err != nil {
				return err
			}
		}
		return c.wrapper(cs.body)
	case *controlStructures.RawControlStructure,
		*controlStructures.BreakControlStructure,
		*controlStructures.ContinueControlStructure:
		return nil
	}
	return c.errorAt(b.Location, "the '%s' tag is not supported in these templates", b.Name)
}

// output checks an expression printed by {{ }} and appends the filter that
// escapes (HTML) or bounds (text) what it prints. Escaping here rather than
// relying on gonja's autoescape also covers lists, numbers and any other
// non-text value.
func (c *compiler) output(x nodes.Expression) (nodes.Expression, *SyntaxError) {
	x, err := c.expr(x)
	if err != nil {
		return nil, err
	}
	name := filterOutText
	if c.kind == KindHTML {
		name = filterOutHTML
	}
	return &nodes.FilteredExpression{
		Expression: x,
		Filters:    []*nodes.FilterCall{internalFilter(x.Position(), name)},
	}, nil
}

func internalFilter(at *tokens.Token, name string, args ...nodes.Expression) *nodes.FilterCall {
	if args == nil {
		args = []nodes.Expression{}
	}
	return &nodes.FilterCall{Token: at, Name: name, Args: args, Kwargs: map[string]nodes.Expression{}}
}

func (c *compiler) exprs(list []nodes.Expression) *SyntaxError {
	for i := range list {
		var err *SyntaxError
		if list[i], err = c.expr(list[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c *compiler) kwargs(m map[string]nodes.Expression) *SyntaxError {
	for k, v := range m {
		x, err := c.expr(v)
		if err != nil {
			return err
		}
		m[k] = x
	}
	return nil
}

// anyExpr checks the fields typed nodes.Node that hold expressions.
func (c *compiler) anyExpr(n nodes.Node) (nodes.Node, *SyntaxError) {
	if n == nil {
		return nil, nil
	}
	x, ok := n.(nodes.Expression)
	if !ok {
		return nil, c.errorAt(n.Position(), "unsupported expression %s", n)
	}
	return c.expr(x)
}

// expr checks an expression (filters, calls and methods must be allowed) and
// rewrites the operations that can build large values so they are bounded.
func (c *compiler) expr(x nodes.Expression) (nodes.Expression, *SyntaxError) {
	var err *SyntaxError
	switch n := x.(type) {
	case nil:
		return nil, nil
	case *nodes.Name, *nodes.String, *nodes.Integer, *nodes.Float, *nodes.Bool, *nodes.None:
		return x, nil
	case *nodes.FilteredExpression:
		if n.Expression, err = c.expr(n.Expression); err != nil {
			return nil, err
		}
		for _, f := range n.Filters {
			if f.Name == "safe" {
				return nil, c.errorAt(f.Token, "the 'safe' filter is not allowed: organizer data must stay escaped")
			}
			if !allowedFilters[f.Name] {
				return nil, c.errorAt(f.Token, "unknown or disallowed filter '%s'", f.Name)
			}
			if err = c.exprs(f.Args); err != nil {
				return nil, err
			}
			if err = c.kwargs(f.Kwargs); err != nil {
				return nil, err
			}
		}
		return n, nil
	case *nodes.TestExpression:
		if n.Expression, err = c.expr(n.Expression); err != nil {
			return nil, err
		}
		if n.Test != nil {
			if !c.tests.Exists(n.Test.Name) {
				return nil, c.errorAt(n.Test.Token, "unknown test '%s'", n.Test.Name)
			}
			if err = c.exprs(n.Test.Args); err != nil {
				return nil, err
			}
			if err = c.kwargs(n.Test.Kwargs); err != nil {
				return nil, err
			}
		}
		return n, nil
	case *nodes.List:
		if err = c.exprs(n.Val); err != nil {
			return nil, err
		}
		return c.bounded(n), nil
	case *nodes.Tuple:
		if err = c.exprs(n.Val); err != nil {
			return nil, err
		}
		return c.bounded(n), nil
	case *nodes.Dict:
		for _, p := range n.Pairs {
			if p.Key, err = c.expr(p.Key); err != nil {
				return nil, err
			}
			if p.Value, err = c.expr(p.Value); err != nil {
				return nil, err
			}
		}
		return c.bounded(n), nil
	case *nodes.Call:
		return c.call(n)
	case *nodes.GetItem:
		if n.Node, err = c.anyExpr(n.Node); err != nil {
			return nil, err
		}
		if n.Arg, err = c.anyExpr(n.Arg); err != nil {
			return nil, err
		}
		return n, nil
	case *nodes.GetSlice:
		for _, p := range []*nodes.Node{&n.Node, &n.Start, &n.End, &n.Step} {
			if *p, err = c.anyExpr(*p); err != nil {
				return nil, err
			}
		}
		return n, nil
	case *nodes.GetAttribute:
		if n.Node, err = c.anyExpr(n.Node); err != nil {
			return nil, err
		}
		return n, nil
	case *nodes.Negation:
		if n.Term, err = c.expr(n.Term); err != nil {
			return nil, err
		}
		return n, nil
	case *nodes.UnaryExpression:
		if n.Term, err = c.expr(n.Term); err != nil {
			return nil, err
		}
		return n, nil
	case *nodes.BinaryExpression:
		if n.Left, err = c.expr(n.Left); err != nil {
			return nil, err
		}
		if n.Right, err = c.expr(n.Right); err != nil {
			return nil, err
		}
		// Repetition and concatenation are the ways to grow a value
		// quickly ("x" * 10**12); route them through bounded filters.
		name := ""
		switch n.Operator.Token.Type {
		case tokens.Addition:
			name = filterAdd
		case tokens.Multiply:
			name = filterMul
		case tokens.Tilde:
			name = filterConcat
		default:
			return n, nil
		}
		return &nodes.FilteredExpression{
			Expression: n.Left,
			Filters:    []*nodes.FilterCall{internalFilter(n.Operator.Token, name, n.Right)},
		}, nil
	}
	return nil, c.errorAt(x.Position(), "unsupported expression %s", x)
}

func (c *compiler) bounded(x nodes.Expression) nodes.Expression {
	return &nodes.FilteredExpression{
		Expression: x,
		Filters:    []*nodes.FilterCall{internalFilter(x.Position(), filterLiteral)},
	}
}

func (c *compiler) call(n *nodes.Call) (nodes.Expression, *SyntaxError) {
	var err *SyntaxError
	switch f := n.Func.(type) {
	case *nodes.Name:
		if !allowedFunctions[f.Name.Val] {
			return nil, c.errorAt(f.Name, "unknown function '%s'; only range() can be called", f.Name.Val)
		}
	case *nodes.GetAttribute:
		if !allowedMethod(f.Attribute) && !loopMethods[f.Attribute] {
			return nil, c.errorAt(f.Location, "method '%s' is not allowed", f.Attribute)
		}
		// The method's receiver is evaluated through Parent; it is the
		// same node as f.Node, so rewrite it once and share it.
		same := n.Parent == f.Node
		if f.Node, err = c.anyExpr(f.Node); err != nil {
			return nil, err
		}
		if same {
			n.Parent = f.Node
		} else if n.Parent, err = c.anyExpr(n.Parent); err != nil {
			return nil, err
		}
	default:
		return nil, c.errorAt(n.Location, "only range() and text methods can be called")
	}
	if err = c.exprs(n.Args); err != nil {
		return nil, err
	}
	if err = c.kwargs(n.Kwargs); err != nil {
		return nil, err
	}
	return n, nil
}

// positions converts gonja's positions (1-based line, 1-based byte column,
// or a byte offset) to 1-based line and character column in the source as
// the lexer saw it (line endings normalized to \n).
type positions struct{ lines []string }

func newPositions(source string) positions {
	s := strings.ReplaceAll(source, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return positions{lines: strings.Split(s, "\n")}
}

func (p positions) at(line, byteCol int) (int, int) {
	if line < 1 {
		return 0, 0
	}
	if line > len(p.lines) {
		line = len(p.lines)
		byteCol = len(p.lines[line-1]) + 1
	}
	text := p.lines[line-1]
	b := min(max(byteCol-1, 0), len(text))
	return line, utf8.RuneCountInString(text[:b]) + 1
}

func (p positions) offset(off int) (int, int) {
	for i, text := range p.lines {
		if off <= len(text) {
			return p.at(i+1, off+1)
		}
		off -= len(text) + 1
	}
	last := len(p.lines)
	return p.at(last, len(p.lines[last-1])+1)
}
