package templates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// budgetKey names the per-render budget in the template context. It is not
// an identifier, so templates cannot read or replace it.
const budgetKey = "internal:budget"

// maxNesting bounds how deep size estimates look into nested lists.
const maxNesting = 32

// maxValueBytes bounds the values a template builds while rendering (a list
// of 10,000 numbers prints as about 70 KB), so that no single operation can
// allocate much; the output itself is bounded by MaxOutputBytes.
const maxValueBytes = 4 * MaxOutputBytes

// strMethods are the text methods templates may call: none of them can make
// a value much larger than its input.
var strMethods = []string{
	"capitalize", "casefold", "count", "endswith", "find", "isalnum", "isalpha",
	"isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle",
	"isupper", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
	"rfind", "rpartition", "rsplit", "rstrip", "split", "splitlines",
	"startswith", "strip", "swapcase", "title", "upper",
}

// dictMethods read a mapping; the mutating ones would change the caller's
// data.
var dictMethods = []string{"get", "items", "keys", "values"}

func allowedMethod(name string) bool {
	for _, m := range strMethods {
		if m == name {
			return true
		}
	}
	for _, m := range dictMethods {
		if m == name {
			return true
		}
	}
	return false
}

// newEnvironment builds the sandbox: only the allowed filters, tags,
// functions and methods exist in it, so a template that got past Check
// still could not reach anything else.
func newEnvironment() *exec.Environment {
	filters := map[string]exec.FilterFunction{}
	for name := range allowedFilters {
		fn, ok := builtins.Filters.Get(name)
		if !ok {
			panic("templates: gonja has no filter " + name)
		}
		switch name {
		case "format":
			filters[name] = bounded(boundedFormat(fn))
		case "join":
			filters[name] = boundedJoin(bounded(fn))
		case "replace":
			filters[name] = boundedReplace(bounded(fn))
		default:
			filters[name] = bounded(fn)
		}
	}
	filters[filterOutHTML] = outputHTML
	filters[filterOutText] = outputText
	filters[filterAdd] = opAdd
	filters[filterMul] = opMul
	filters[filterConcat] = opConcat
	filters[filterLiteral] = literal

	tags := map[string]parser.ControlStructureParser{
		"set":  parseSet,
		"with": parseWith,
	}
	for _, name := range []string{"if", "for", "raw", "break", "continue"} {
		p, ok := builtins.ControlStructures.Get(name)
		if !ok {
			panic("templates: gonja has no tag " + name)
		}
		tags[name] = p
	}

	str := map[string]exec.Method[string]{}
	for _, name := range strMethods {
		if m, ok := builtins.Methods.Str.Get(name); ok {
			str[name] = m
		}
	}
	dict := map[string]exec.Method[map[string]any]{}
	for _, name := range dictMethods {
		if m, ok := builtins.Methods.Dict.Get(name); ok {
			dict[name] = m
		}
	}

	return &exec.Environment{
		Context:           exec.NewContext(map[string]any{"range": rangeFunc}),
		Filters:           exec.NewFilterSet(filters),
		Tests:             exec.NewTestSet(map[string]exec.TestFunction{}).Update(builtins.Tests),
		ControlStructures: exec.NewControlStructureSet(tags),
		Methods: exec.Methods{
			Bool:  exec.NewMethodSet(map[string]exec.Method[bool]{}),
			Int:   exec.NewMethodSet(map[string]exec.Method[int]{}),
			Float: exec.NewMethodSet(map[string]exec.Method[float64]{}),
			Str:   exec.NewMethodSet(str),
			Dict:  exec.NewMethodSet(dict),
			List:  exec.NewMethodSet(map[string]exec.Method[[]any]{}),
		},
	}
}

// budget is one render's allowance. The first limit hit is remembered, as
// gonja sometimes swallows errors (default() does) or rewords them.
type budget struct {
	ctx  context.Context
	step func() // tests: called at every check
	mu   sync.Mutex
	err  error
}

func (b *budget) fail(err error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
	}
	return b.err
}

func (b *budget) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// check stops a render whose time is up; it runs at every write, loop
// iteration, bounded operation and range().
func (b *budget) check() error {
	if b.step != nil {
		b.step()
	}
	if err := b.failed(); err != nil {
		return err
	}
	if b.ctx.Err() != nil {
		return b.fail(stopReason(b.ctx))
	}
	return nil
}

func (b *budget) limit(format string, args ...any) error {
	return b.fail(&limitError{msg: fmt.Sprintf(format, args...)})
}

// size fails when v would print as more than maxValueBytes, or is a list
// longer than MaxRangeItems.
func (b *budget) size(v *exec.Value) error {
	if err := b.check(); err != nil {
		return err
	}
	if v.IsList() && v.Len() > MaxRangeItems {
		return b.limit("a list in the template grew beyond %d items", MaxRangeItems)
	}
	if estimate(v, maxValueBytes, 0) > maxValueBytes {
		return b.limit("a value in the template grew beyond %d KB", maxValueBytes>>10)
	}
	return nil
}

type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return ErrLimitExceeded }

func stopReason(ctx context.Context) error {
	if errors.Is(context.Cause(ctx), ErrRenderTimeout) {
		return ErrRenderTimeout
	}
	return fmt.Errorf("rendering stopped: %w", context.Cause(ctx))
}

type contextGetter interface {
	Get(name string) (any, bool)
}

func budgetOf(c contextGetter) *budget {
	if v, ok := c.Get(budgetKey); ok {
		if b, ok := v.(*budget); ok {
			return b
		}
	}
	// Only templates compiled and rendered by this package reach the
	// sandbox's functions, and render always sets a budget; a missing one
	// would be a bug, so fail closed with an expired budget.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return &budget{ctx: ctx}
}

func evalBudget(e *exec.Evaluator) *budget { return budgetOf(e.Environment.Context) }

// estimate returns roughly how many bytes v prints as, stopping early once
// above limit.
func estimate(v *exec.Value, limit, depth int) int {
	switch {
	case v == nil || v.IsNil():
		return 4
	case v.IsString() || v.IsNumber() || v.IsBool():
		return len(v.String())
	case depth > maxNesting:
		return limit + 1
	case v.IsList():
		n := 2
		for i, l := 0, v.Len(); i < l && n <= limit; i++ {
			n += 2 + estimate(v.Index(i), limit-n, depth+1)
		}
		return n
	case v.IsDict():
		n := 2
		v.Iterate(func(_, _ int, key, value *exec.Value) bool {
			n += 4 + estimate(key, limit-n, depth+1)
			if value != nil {
				n += estimate(value, limit-n, depth+1)
			}
			return n <= limit
		}, func() {})
		return n
	}
	return 24
}

func errValue(err error) *exec.Value { return exec.AsValue(err) }

// bounded wraps a gonja filter so it honors the budget and cannot return
// text larger than the limit.
func bounded(fn exec.FilterFunction) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		b := evalBudget(e)
		if err := b.check(); err != nil {
			return errValue(err)
		}
		out := fn(e, in, params)
		if out != nil && !out.IsError() {
			if err := b.size(out); err != nil {
				return errValue(err)
			}
		}
		return out
	}
}

// arg returns a filter argument given by position or by name.
func arg(p *exec.VarArgs, i int, name string) *exec.Value {
	if i < len(p.Args) {
		return p.Args[i]
	}
	if v, ok := p.KwArgs[name]; ok {
		return v
	}
	return nil
}

// boundedReplace refuses replacements whose result would be too large before
// building it: replace("", long) multiplies the length of the input.
func boundedReplace(fn exec.FilterFunction) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		b := evalBudget(e)
		oldV, newV := arg(params, 0, "old"), arg(params, 1, "new")
		if oldV != nil && newV != nil && !in.IsError() {
			s, old, repl := in.String(), oldV.String(), newV.String()
			if grow := len(repl) - len(old); grow > 0 {
				n := utf8.RuneCountInString(s) + 1
				if old != "" {
					n = strings.Count(s, old)
				}
				if c := arg(params, 2, "count"); c != nil && c.IsInteger() && c.Integer() >= 0 && c.Integer() < n {
					n = c.Integer()
				}
				if n > 0 && (grow > maxValueBytes || len(s)+n*grow > maxValueBytes) {
					return errValue(b.limit("replace() would make a text larger than %d KB", maxValueBytes>>10))
				}
			}
		}
		return fn(e, in, params)
	}
}

// boundedJoin checks the joined length before joining.
func boundedJoin(fn exec.FilterFunction) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		b := evalBudget(e)
		if in.IsList() || in.IsDict() {
			sep := 0
			if d := arg(params, 0, "d"); d != nil {
				sep = len(d.String())
			}
			if in.Len() > 0 && sep > maxValueBytes/in.Len() {
				return errValue(b.limit("join() would make a text larger than %d KB", maxValueBytes>>10))
			}
			if err := b.size(in); err != nil {
				return errValue(err)
			}
		}
		return fn(e, in, params)
	}
}

// formatWidth finds the widths and precisions in a printf-style format.
var formatWidth = regexp.MustCompile(`%[-+# 0]*(\*|\d*)(?:\.(\*|\d*))?`)

// boundedFormat refuses formats whose padding or arguments would make the
// result too large. gonja's format uses Go's fmt, which pads up to a
// million characters per verb.
func boundedFormat(fn exec.FilterFunction) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		b := evalBudget(e)
		if in.IsError() {
			return in
		}
		total := len(in.String())
		for _, m := range formatWidth.FindAllStringSubmatch(in.String(), -1) {
			for _, w := range m[1:] {
				if w == "*" {
					return errValue(fmt.Errorf("format(): '*' widths are not supported"))
				}
				if n, err := strconv.Atoi(w); err == nil {
					total += n
				} else if w != "" {
					total += maxValueBytes + 1
				}
			}
		}
		for _, a := range params.Args {
			if a.IsList() || a.IsDict() {
				return errValue(fmt.Errorf("format() takes text and numbers, not lists"))
			}
			total += estimate(a, maxValueBytes, 0)
		}
		if total > maxValueBytes {
			return errValue(b.limit("format() would make a text larger than %d KB", maxValueBytes>>10))
		}
		return fn(e, in, params)
	}
}

// outputHTML escapes what one {{ }} prints, unless it is already escaped
// markup built by the template itself (join and block set produce it).
func outputHTML(e *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := outputSize(e, in); err != nil {
		return errValue(err)
	}
	if in.Safe {
		return in
	}
	return exec.AsSafeValue(html.EscapeString(in.String()))
}

func outputText(e *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := outputSize(e, in); err != nil {
		return errValue(err)
	}
	return in
}

// outputSize refuses a value too large to print before it is turned into
// text.
func outputSize(e *exec.Evaluator, in *exec.Value) error {
	b := evalBudget(e)
	if err := b.check(); err != nil {
		return err
	}
	if estimate(in, MaxOutputBytes, 0) > MaxOutputBytes {
		return b.fail(ErrOutputTooLarge)
	}
	return nil
}

// literal bounds lists, tuples and dicts written in the template.
func literal(e *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	if err := evalBudget(e).size(in); err != nil {
		return errValue(err)
	}
	return in
}

func operand(p *exec.VarArgs) (*exec.Value, error) {
	if len(p.Args) != 1 {
		return nil, errors.New("internal operator needs one operand")
	}
	return p.Args[0], nil
}

// items returns the elements of a list value as Go values.
func items(v *exec.Value) []any {
	rv := reflect.ValueOf(v.Interface())
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil
	}
	out := make([]any, 0, rv.Len())
	for i := 0; i < rv.Len(); i++ {
		out = append(out, rv.Index(i).Interface())
	}
	return out
}

// opAdd is a + b with gonja's semantics, bounded.
func opAdd(e *exec.Evaluator, left *exec.Value, p *exec.VarArgs) *exec.Value {
	right, err := operand(p)
	if err != nil {
		return errValue(err)
	}
	b := evalBudget(e)
	if err := b.check(); err != nil {
		return errValue(err)
	}
	switch {
	case left.IsList():
		if !right.IsList() {
			return errValue(fmt.Errorf("cannot add %s to a list", right.String()))
		}
		if left.Len()+right.Len() > MaxRangeItems {
			return errValue(b.limit("a list in the template grew beyond %d items", MaxRangeItems))
		}
		out := exec.AsValue(append(items(left), items(right)...))
		if err := b.size(out); err != nil {
			return errValue(err)
		}
		return out
	case left.IsFloat() || right.IsFloat():
		return exec.AsValue(left.Float() + right.Float())
	case left.IsString() || right.IsString():
		return concat(b, left, right)
	}
	return exec.AsValue(left.Integer() + right.Integer())
}

// opMul is a * b with gonja's semantics; text repetition is bounded before
// the text is built.
func opMul(e *exec.Evaluator, left *exec.Value, p *exec.VarArgs) *exec.Value {
	right, err := operand(p)
	if err != nil {
		return errValue(err)
	}
	b := evalBudget(e)
	if err := b.check(); err != nil {
		return errValue(err)
	}
	switch {
	case left.IsFloat() || right.IsFloat():
		return exec.AsValue(left.Float() * right.Float())
	case left.IsString():
		s, n := left.String(), right.Integer()
		if n <= 0 || s == "" {
			return exec.AsValue("")
		}
		if n > maxValueBytes/len(s) {
			return errValue(b.limit("a text in the template grew beyond %d KB", maxValueBytes>>10))
		}
		return exec.AsValue(strings.Repeat(s, n))
	}
	return exec.AsValue(left.Integer() * right.Integer())
}

// opConcat is a ~ b, bounded.
func opConcat(e *exec.Evaluator, left *exec.Value, p *exec.VarArgs) *exec.Value {
	right, err := operand(p)
	if err != nil {
		return errValue(err)
	}
	b := evalBudget(e)
	if err := b.check(); err != nil {
		return errValue(err)
	}
	return concat(b, left, right)
}

func concat(b *budget, left, right *exec.Value) *exec.Value {
	if estimate(left, maxValueBytes, 0)+estimate(right, maxValueBytes, 0) > maxValueBytes {
		return errValue(b.limit("a text in the template grew beyond %d KB", maxValueBytes>>10))
	}
	return exec.AsValue(left.String() + right.String())
}

// rangeFunc is Jinja2's range(), returning a list capped at MaxRangeItems.
// gonja's own range streams numbers from a goroutine that leaks when a loop
// stops early, and has no cap.
func rangeFunc(e *exec.Evaluator, params *exec.VarArgs) ([]int, error) {
	b := evalBudget(e)
	if err := b.check(); err != nil {
		return nil, err
	}
	if len(params.KwArgs) > 0 || len(params.Args) < 1 || len(params.Args) > 3 {
		return nil, errors.New("range() takes [start, ]stop[, step]")
	}
	nums := make([]int, len(params.Args))
	for i, a := range params.Args {
		if !a.IsInteger() {
			return nil, fmt.Errorf("range() takes whole numbers, not %q", a.String())
		}
		nums[i] = a.Integer()
	}
	start, stop, step := 0, nums[0], 1
	if len(nums) > 1 {
		start, stop = nums[0], nums[1]
	}
	if len(nums) > 2 {
		step = nums[2]
	}
	if step == 0 {
		return nil, errors.New("range() step must not be zero")
	}
	// Count in big integers: stop-start can overflow an int.
	span := new(big.Int).Sub(big.NewInt(int64(stop)), big.NewInt(int64(start)))
	st := big.NewInt(int64(step))
	if span.Sign() != st.Sign() {
		return []int{}, nil
	}
	span.Abs(span)
	st.Abs(st)
	count := new(big.Int).Add(span, new(big.Int).Sub(st, big.NewInt(1)))
	count.Quo(count, st)
	if !count.IsInt64() || count.Int64() > MaxRangeItems {
		return nil, b.limit("range() is limited to %d items", MaxRangeItems)
	}
	out := make([]int, count.Int64())
	for i := range out {
		out[i] = start + i*step
	}
	return out, nil
}

// checkpoint is inserted at the start of every loop body.
type checkpoint struct{ at *tokens.Token }

func (c checkpoint) Position() *tokens.Token { return c.at }
func (c checkpoint) String() string          { return "checkpoint" }
func (c checkpoint) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	return budgetOf(r.Environment.Context).check()
}

// setTag is {% set name = value [if cond [else alt]] %} or the block form
// {% set name %}...{% endset %}. It replaces gonja's set to bound the values
// kept between statements (growing a value by reassigning it is the other
// way to build huge values), to keep block captures marked as escaped
// markup, and to refuse attribute targets, which would change the caller's
// data.
type setTag struct {
	at               *tokens.Token
	name             string
	value, cond, alt nodes.Expression
	body             *nodes.Wrapper
}

func (s *setTag) Position() *tokens.Token { return s.at }
func (s *setTag) String() string          { return "set " + s.name }

func (s *setTag) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	b := budgetOf(r.Environment.Context)
	if err := b.check(); err != nil {
		return err
	}
	var v *exec.Value
	switch {
	case s.body != nil:
		w := &limitedWriter{b: b, max: maxValueBytes, full: &limitError{msg: fmt.Sprintf("a 'set' block captured more than %d KB", maxValueBytes>>10)}}
		sub := r.Inherit()
		sub.Output = w
		if err := sub.ExecuteWrapper(s.body); err != nil {
			return err
		}
		if r.Config.AutoEscape {
			v = exec.AsSafeValue(w.buf.String())
		} else {
			v = exec.AsValue(w.buf.String())
		}
	case s.cond != nil:
		c := r.Eval(s.cond)
		if c.IsError() {
			return c
		}
		if c.IsTrue() {
			v = r.Eval(s.value)
		} else if s.alt != nil {
			v = r.Eval(s.alt)
		} else {
			v = exec.AsValue(nil)
		}
	default:
		v = r.Eval(s.value)
	}
	if v.IsError() {
		return v
	}
	if err := b.size(v); err != nil {
		return err
	}
	// Store the *Value itself: it keeps the escaped mark of a block capture.
	r.Environment.Context.Set(s.name, v)
	return nil
}

// argsError positions an error in a tag's arguments; at the end of the
// arguments, it points just after the tag.
func argsError(p, args *parser.Parser, msg string) error {
	t := args.Current()
	if t == nil || t.Line == 0 {
		t = p.Current()
	}
	return args.Error(msg, t)
}

func parseSet(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	name := args.Match(tokens.Name)
	if name == nil {
		return nil, argsError(p, args, "expected a variable name after 'set'")
	}
	if args.Current(tokens.Dot, tokens.LeftBracket, tokens.Comma) != nil {
		return nil, argsError(p, args, "'set' assigns plain names only")
	}
	s := &setTag{at: name, name: name.Val}
	if args.Match(tokens.Assign) == nil {
		if !args.End() {
			return nil, argsError(p, args, "expected '=' after the variable name")
		}
		body, end, err := p.WrapUntil("endset")
		if err != nil {
			return nil, err
		}
		if !end.End() {
			return nil, end.Error("'endset' takes no arguments", end.Current())
		}
		s.body = body
		return s, nil
	}
	var err error
	if s.value, err = args.ParseExpression(); err != nil {
		return nil, err
	}
	if s.cond, s.alt, err = args.ParseCondition(); err != nil {
		return nil, err
	}
	if !args.End() {
		return nil, argsError(p, args, "unexpected text in 'set'")
	}
	return s, nil
}

// withTag is {% with a = x, b = y %}...{% endwith %}, replacing gonja's to
// bound the values and evaluate them in a fixed order.
type withTag struct {
	at     *tokens.Token
	names  []string
	values []nodes.Expression
	body   *nodes.Wrapper
}

func (w *withTag) Position() *tokens.Token { return w.at }
func (w *withTag) String() string          { return "with" }

func (w *withTag) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	b := budgetOf(r.Environment.Context)
	sub := r.Inherit()
	for i, x := range w.values {
		v := r.Eval(x)
		if v.IsError() {
			return v
		}
		if err := b.size(v); err != nil {
			return err
		}
		sub.Environment.Context.Set(w.names[i], v)
	}
	return sub.ExecuteWrapper(w.body)
}

func parseWith(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	w := &withTag{at: args.Current()}
	for !args.End() {
		name := args.Match(tokens.Name)
		if name == nil {
			return nil, argsError(p, args, "expected a variable name in 'with'")
		}
		if args.Match(tokens.Assign) == nil {
			return nil, argsError(p, args, "expected '=' after the variable name")
		}
		x, err := args.ParseExpression()
		if err != nil {
			return nil, err
		}
		w.names = append(w.names, name.Val)
		w.values = append(w.values, x)
		if args.Match(tokens.Comma) == nil {
			break
		}
	}
	if !args.End() {
		return nil, argsError(p, args, "unexpected text in 'with'")
	}
	if w.at == nil || w.at.Line == 0 {
		w.at = p.Current()
	}
	body, end, err := p.WrapUntil("endwith")
	if err != nil {
		return nil, err
	}
	if !end.End() {
		return nil, end.Error("'endwith' takes no arguments", end.Current())
	}
	w.body = body
	return w, nil
}

// limitedWriter collects output up to max bytes, checking the budget at
// every write so output-heavy loops stop at the time limit.
type limitedWriter struct {
	b    *budget
	max  int
	full error // when max is reached; ErrOutputTooLarge if nil
	buf  bytes.Buffer
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if err := w.b.check(); err != nil {
		return 0, err
	}
	if w.buf.Len()+len(p) > w.max {
		if w.full != nil {
			return 0, w.b.fail(w.full)
		}
		return 0, w.b.fail(ErrOutputTooLarge)
	}
	return w.buf.Write(p)
}

// render runs tpl in its own goroutine so the caller gets an answer at the
// deadline even if the template is still busy; the goroutine notices the
// expired budget at its next check and ends.
func (e *Engine) render(ctx context.Context, field string, tpl *exec.Template, vars map[string]any) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("templates: %s: rendering stopped: %w", field, err)
	}
	// A timer rather than a context deadline, so tests can end the time.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := e.startTimer(MaxRenderTime, func() { cancel(ErrRenderTimeout) })
	defer stop()
	b := &budget{ctx: ctx, step: e.step}
	data := make(map[string]any, len(vars)+1)
	for k, v := range vars {
		data[k] = v
	}
	data[budgetKey] = b

	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			if p := recover(); p != nil {
				res = result{err: fmt.Errorf("rendering failed: %v", p)}
			}
			done <- res
			if e.ended != nil {
				e.ended()
			}
		}()
		w := &limitedWriter{b: b, max: MaxOutputBytes}
		res.err = tpl.Execute(w, exec.NewContext(data))
		res.out = w.buf.String()
	}()

	select {
	case res := <-done:
		if err := b.failed(); err != nil {
			return "", fmt.Errorf("templates: %s: %w", field, err)
		}
		if res.err != nil {
			return "", fmt.Errorf("templates: %s: %s", field, renderMessage(res.err))
		}
		return res.out, nil
	case <-ctx.Done():
		return "", fmt.Errorf("templates: %s: %w", field, b.fail(stopReason(ctx)))
	}
}

var atLine = regexp.MustCompile(`at line (\d+)`)

// renderMessage shortens gonja's render errors, which nest the template
// structure around the actual problem: it keeps the line and the innermost
// message.
func renderMessage(err error) string {
	msg := err.Error()
	line := ""
	if m := atLine.FindStringSubmatch(msg); m != nil {
		line = "line " + m[1] + ": "
	}
	const undefined = "Can't use Getitem on None"
	if i := strings.LastIndex(msg, undefined); i >= 0 {
		expr := "value"
		const prefix = "Unable to evaluate "
		if j := strings.LastIndex(msg[:i], prefix); j >= 0 {
			expr = strings.TrimSuffix(msg[j+len(prefix):i], ": ")
		}
		return line + expr + ": an undefined value has no attributes or items"
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return line + tidy(msg)
}
