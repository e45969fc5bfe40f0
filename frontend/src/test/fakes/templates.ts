// The fake template preview (app/desktop/templates.go over
// backend/templates): a small Jinja2 subset — {{ expressions }} with the
// allowed filters, {% if/elif/else %}, {% for %}, {% set %}, {# comments #} —
// the real sample variables, HTML escaping for the instruction templates,
// and syntax errors with the line and column (from 1) where they are.
import type { TemplatePreview } from '../../lib/types';

// ---- backend/templates/samples.go ----

const sampleAlias = 'meet.123456@vc.example.com';
const sampleNumericAlias = '123456';
const sampleSubject = `Budget review <b>Q3</b> & "next steps" for Sam's team`;
const sampleOrganizer = 'Alex Morgan';
const sampleOrganizerTo = 'alex.morgan@example.com';
const sampleDomain = 'addins.example.com';

const singleUse = () => ({
  alias: sampleAlias,
  numeric_alias: sampleNumericAlias,
  alias_uuid: '6f1c2a9e-3b7d-4e52-9a0c-8d4f7e21b635',
  addin_server_domain: sampleDomain,
});
const personal = () => ({
  name: `Alex Morgan's room <Sales & "Support">`,
  description: 'Personal meeting room of Alex Morgan',
  domain_aliases: ['alex.morgan@vc.example.com', 'meet.alex@vc.example.com'],
  other_aliases: ['alex.morgan'],
  numeric_aliases: ['8123456', '8123457'],
  pin: '4821',
  guest_pin: '7305',
  allow_guests: true,
  addin_server_domain: sampleDomain,
});
const reply = () => ({ alias: sampleAlias, numeric_alias: sampleNumericAlias, subject: sampleSubject });

export function sampleVars(field: string): Record<string, unknown> {
  switch (field) {
    case 'meeting_instructions_template':
      return singleUse();
    case 'personal_vmr_instructions_template':
    case 'personal_vmr_location_template':
      return personal();
    case 'personal_vmr_name_template':
      return { name: personal().name };
    case 'personal_vmr_description_template':
      return { description: personal().description };
    case 'conference_name_template':
      return { subject: sampleSubject, organizer_name: sampleOrganizer, organizer_email: sampleOrganizerTo };
    case 'conference_description_template':
    case 'scheduled_alias_description_template':
      return { organizer_email: sampleOrganizerTo };
    case 'conference_subject_template':
      return { subject: sampleSubject };
    case 'accept_new_single_meeting_template':
    case 'accept_new_recurring_series_template':
    case 'accept_edited_single_meeting_template':
    case 'accept_edited_recurring_series_template':
    case 'accept_edited_occurrence_template':
      return reply();
    case 'reject_general_error_template':
      return { correlation_id: 'c2b8e5d4-17a3-4f60-b9e2-5a0d3c7f9148' };
    case 'reject_alias_conflict_template':
      return { alias: sampleAlias };
  }
  return {};
}

export function isHTML(field: string): boolean {
  return ['meeting_instructions_template', 'placeholder_instructions_template', 'personal_vmr_instructions_template'].includes(field);
}

// ---- the engine ----

class TemplateError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const forbiddenTags: Record<string, string> = {
  include: "'include' is not allowed: templates cannot load other templates or files",
  import: "'import' is not allowed: templates cannot load other templates or files",
  from: "'from' is not allowed: templates cannot load other templates or files",
  extends: "'extends' is not allowed: templates cannot load other templates or files",
  block: "'block' is not allowed: templates cannot extend other templates",
  autoescape: "'autoescape' is not allowed: HTML templates always escape variables and text templates never do",
  macro: "'macro' is not supported in these templates",
};

type Value = unknown;
type Scope = Map<string, Value>;

interface Tok {
  kind: 'name' | 'string' | 'number' | 'op' | 'end';
  value: string;
  at: number;
}

function lex(src: string, offset: number): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const at = offset + i;
    if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      toks.push({ kind: 'name', value: m, at });
      i += m.length;
    } else if (/[0-9]/.test(ch)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))![0];
      toks.push({ kind: 'number', value: m, at });
      i += m.length;
    } else if (ch === '"' || ch === "'") {
      const end = src.indexOf(ch, i + 1);
      if (end < 0) throw new TemplateError('unexpected end of string: close the quote', at);
      toks.push({ kind: 'string', value: src.slice(i + 1, end), at });
      i = end + 1;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>='].includes(two)) {
        toks.push({ kind: 'op', value: two, at });
        i += 2;
      } else if ('|.(),<>~+-[]'.includes(ch)) {
        toks.push({ kind: 'op', value: ch, at });
        i++;
      } else {
        throw new TemplateError(`unexpected character '${ch}'`, at);
      }
    }
  }
  toks.push({ kind: 'end', value: '', at: offset + src.length });
  return toks;
}

type Expr = (scope: Scope) => Value;

const allowedFilters = new Set(['abs', 'capitalize', 'default', 'first', 'float', 'format', 'int', 'join', 'last', 'length', 'lower', 'replace', 'round', 'striptags', 'trim', 'truncate', 'upper']);

const str = (v: Value): string => (v === undefined || v === null ? '' : Array.isArray(v) ? `[${v.map((x) => `'${str(x)}'`).join(', ')}]` : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
const truthy = (v: Value) => (Array.isArray(v) ? v.length > 0 : Boolean(v));

function applyFilter(name: string, v: Value, args: Value[]): Value {
  switch (name) {
    case 'abs':
      return Math.abs(Number(v));
    case 'capitalize': {
      const s = str(v);
      return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
    }
    case 'default':
      return v === undefined || v === null || (args[1] === true && !truthy(v)) ? (args[0] ?? '') : v;
    case 'first':
      return Array.isArray(v) ? v[0] : str(v).charAt(0);
    case 'last':
      return Array.isArray(v) ? v[v.length - 1] : str(v).slice(-1);
    case 'float':
      return Number.parseFloat(str(v)) || 0;
    case 'int':
      return Number.parseInt(str(v), 10) || 0;
    case 'format':
      return args.reduce<string>((s, a) => s.replace(/%s/, str(a)), str(v));
    case 'join':
      return Array.isArray(v) ? v.map(str).join(str(args[0] ?? '')) : str(v);
    case 'length':
      return Array.isArray(v) ? v.length : str(v).length;
    case 'lower':
      return str(v).toLowerCase();
    case 'upper':
      return str(v).toUpperCase();
    case 'replace':
      return str(v).split(str(args[0])).join(str(args[1]));
    case 'round':
      return Math.round(Number(v));
    case 'striptags':
      return str(v).replace(/<[^>]*>/g, '');
    case 'trim':
      return str(v).trim();
    case 'truncate': {
      const s = str(v);
      const n = Number(args[0] ?? 255);
      return s.length > n ? `${s.slice(0, n - 3)}...` : s;
    }
  }
  return v;
}

class ExprParser {
  i = 0;
  constructor(private readonly toks: Tok[]) {}
  peek(): Tok {
    return this.toks[this.i]!;
  }
  next(): Tok {
    return this.toks[this.i++]!;
  }
  accept(kind: Tok['kind'], value?: string): Tok | undefined {
    const t = this.peek();
    if (t.kind === kind && (value === undefined || t.value === value)) return this.next();
    return undefined;
  }
  expect(kind: Tok['kind'], value: string): Tok {
    const t = this.accept(kind, value);
    if (!t) throw new TemplateError(`expected '${value}', found ${this.describe(this.peek())}`, this.peek().at);
    return t;
  }
  describe(t: Tok): string {
    return t.kind === 'end' ? 'the end of the tag' : `'${t.value}'`;
  }
  done() {
    const t = this.peek();
    if (t.kind !== 'end') throw new TemplateError(`unexpected ${this.describe(t)}`, t.at);
  }

  expr(): Expr {
    return this.or();
  }
  or(): Expr {
    let left = this.and();
    while (this.accept('name', 'or')) {
      const l = left;
      const r = this.and();
      left = (s) => truthy(l(s)) || truthy(r(s));
    }
    return left;
  }
  and(): Expr {
    let left = this.not();
    while (this.accept('name', 'and')) {
      const l = left;
      const r = this.not();
      left = (s) => truthy(l(s)) && truthy(r(s));
    }
    return left;
  }
  not(): Expr {
    if (this.accept('name', 'not')) {
      const e = this.not();
      return (s) => !truthy(e(s));
    }
    return this.compare();
  }
  compare(): Expr {
    const left = this.concat();
    const t = this.peek();
    if (t.kind === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.value)) {
      this.next();
      const right = this.concat();
      return (s) => {
        const a = left(s);
        const b = right(s);
        switch (t.value) {
          case '==':
            return a === b;
          case '!=':
            return a !== b;
          case '<':
            return Number(a) < Number(b);
          case '>':
            return Number(a) > Number(b);
          case '<=':
            return Number(a) <= Number(b);
          default:
            return Number(a) >= Number(b);
        }
      };
    }
    if (t.kind === 'name' && (t.value === 'in' || t.value === 'is')) {
      this.next();
      if (t.value === 'is') {
        const negate = !!this.accept('name', 'not');
        const test = this.accept('name');
        if (!test || !['defined', 'none', 'string', 'number'].includes(test.value)) throw new TemplateError(`unknown test '${test?.value ?? ''}'`, test?.at ?? t.at);
        return (s) => {
          const v = left(s);
          const r = test.value === 'defined' ? v !== undefined : test.value === 'none' ? v === null : typeof v === test.value;
          return negate ? !r : r;
        };
      }
      const right = this.concat();
      return (s) => {
        const hay = right(s);
        return Array.isArray(hay) ? hay.includes(left(s)) : str(hay).includes(str(left(s)));
      };
    }
    return left;
  }
  concat(): Expr {
    let left = this.filtered();
    while (this.accept('op', '~')) {
      const l = left;
      const r = this.filtered();
      left = (s) => str(l(s)) + str(r(s));
    }
    return left;
  }
  filtered(): Expr {
    let e = this.primary();
    while (this.accept('op', '|')) {
      const name = this.accept('name');
      if (!name) throw new TemplateError('expected a filter name after |', this.peek().at);
      if (name.value === 'safe') throw new TemplateError("the 'safe' filter is not allowed: organizer data must stay escaped", name.at);
      if (!allowedFilters.has(name.value)) throw new TemplateError(`unknown or disallowed filter '${name.value}'`, name.at);
      const args = this.accept('op', '(') ? this.args() : [];
      const inner = e;
      e = (s) =>
        applyFilter(
          name.value,
          inner(s),
          args.map((a) => a(s)),
        );
    }
    return e;
  }
  args(): Expr[] {
    const args: Expr[] = [];
    if (this.accept('op', ')')) return args;
    for (;;) {
      args.push(this.expr());
      if (this.accept('op', ')')) return args;
      this.expect('op', ',');
    }
  }
  primary(): Expr {
    const t = this.next();
    let e: Expr;
    if (t.kind === 'string') e = () => t.value;
    else if (t.kind === 'number') e = () => Number(t.value);
    else if (t.kind === 'op' && t.value === '(') {
      e = this.expr();
      this.expect('op', ')');
    } else if (t.kind === 'op' && t.value === '[') {
      const items: Expr[] = [];
      if (!this.accept('op', ']')) {
        for (;;) {
          items.push(this.expr());
          if (this.accept('op', ']')) break;
          this.expect('op', ',');
        }
      }
      e = (s) => items.map((x) => x(s));
    } else if (t.kind === 'name') {
      const name = t.value;
      if (name === 'true' || name === 'True') e = () => true;
      else if (name === 'false' || name === 'False') e = () => false;
      else if (name === 'none' || name === 'None') e = () => null;
      else if (this.peek().kind === 'op' && this.peek().value === '(') {
        if (name !== 'range') throw new TemplateError(`unknown function '${name}'; only range() can be called`, t.at);
        this.next();
        const args = this.args();
        e = (s) => {
          const n = args.map((a) => Number(a(s)));
          const [from, to] = n.length > 1 ? [n[0]!, n[1]!] : [0, n[0] ?? 0];
          return Array.from({ length: Math.max(0, Math.min(10000, to - from)) }, (_, k) => from + k);
        };
      } else e = (s) => s.get(name);
    } else {
      throw new TemplateError(t.kind === 'end' ? 'expected an expression' : `unexpected '${t.value}'`, t.at);
    }
    for (;;) {
      if (this.accept('op', '.')) {
        const attr = this.accept('name');
        if (!attr) throw new TemplateError('expected an attribute name after .', this.peek().at);
        if (this.peek().kind === 'op' && this.peek().value === '(') throw new TemplateError(`method '${attr.value}' is not allowed`, attr.at);
        const inner = e;
        e = (s) => {
          const v = inner(s);
          return v && typeof v === 'object' ? (v as Record<string, Value>)[attr.value] : undefined;
        };
      } else if (this.accept('op', '[')) {
        const index = this.expr();
        this.expect('op', ']');
        const inner = e;
        e = (s) => {
          const v = inner(s);
          const k = index(s);
          return Array.isArray(v) ? v[Number(k) < 0 ? v.length + Number(k) : Number(k)] : v && typeof v === 'object' ? (v as Record<string, Value>)[str(k)] : undefined;
        };
      } else return e;
    }
  }
}

function parseExpr(src: string, offset: number): Expr {
  const p = new ExprParser(lex(src, offset));
  const e = p.expr();
  p.done();
  return e;
}

type Node =
  | { t: 'text'; text: string }
  | { t: 'out'; e: Expr }
  | { t: 'if'; branches: Array<{ cond: Expr; body: Node[] }>; otherwise: Node[] }
  | { t: 'for'; name: string; iter: Expr; body: Node[]; otherwise: Node[] }
  | { t: 'set'; name: string; e: Expr };

interface Open {
  tag: 'if' | 'for';
  at: number;
  node: Extract<Node, { t: 'if' | 'for' }>;
  /** Where the body being parsed goes. */
  body: Node[];
}

function parse(source: string): Node[] {
  const root: Node[] = [];
  const stack: Open[] = [];
  const target = () => stack[stack.length - 1]?.body ?? root;
  let i = 0;
  while (i < source.length) {
    const start = source.slice(i).search(/\{[{%#]/);
    if (start < 0) {
      target().push({ t: 'text', text: source.slice(i) });
      break;
    }
    if (start > 0) target().push({ t: 'text', text: source.slice(i, i + start) });
    const at = i + start;
    const kind = source[at + 1];
    const close = kind === '{' ? '}}' : kind === '%' ? '%}' : '#}';
    const end = source.indexOf(close, at + 2);
    if (end < 0) {
      throw new TemplateError(kind === '#' ? 'the comment is not closed: end it with #}' : `the tag is not closed: end it with ${close}`, at);
    }
    const inner = source.slice(at + 2, end).replace(/^-|-$/g, '');
    const innerAt = at + 2 + (source[at + 2] === '-' ? 1 : 0);
    i = end + 2;
    if (kind === '#') continue;
    if (kind === '{') {
      if (!inner.trim()) throw new TemplateError('expected an expression', innerAt);
      target().push({ t: 'out', e: parseExpr(inner, innerAt) });
      continue;
    }
    const lead = inner.length - inner.trimStart().length;
    const words = inner.trim();
    const tag = /^[A-Za-z_]*/.exec(words)![0];
    const tagAt = innerAt + lead;
    const rest = words.slice(tag.length);
    const restAt = tagAt + tag.length;
    const top = stack[stack.length - 1];
    switch (tag) {
      case 'if': {
        const node: Open['node'] = { t: 'if', branches: [{ cond: parseExpr(rest, restAt), body: [] }], otherwise: [] };
        target().push(node);
        stack.push({ tag: 'if', at: tagAt, node, body: node.branches[0]!.body });
        break;
      }
      case 'elif':
        if (!top || top.tag !== 'if' || top.node.t !== 'if') throw new TemplateError("unexpected 'elif': there is no open 'if'", tagAt);
        if (top.body === top.node.otherwise) throw new TemplateError("unexpected 'elif' after 'else'", tagAt);
        top.node.branches.push({ cond: parseExpr(rest, restAt), body: [] });
        top.body = top.node.branches[top.node.branches.length - 1]!.body;
        break;
      case 'else':
        if (!top) throw new TemplateError("unexpected 'else': there is no open 'if' or 'for'", tagAt);
        if (rest.trim()) throw new TemplateError(`unexpected '${rest.trim()}' after else`, restAt + rest.indexOf(rest.trim()));
        top.body = top.node.otherwise;
        break;
      case 'endif':
      case 'endfor': {
        const want = tag === 'endif' ? 'if' : 'for';
        if (!top) throw new TemplateError(`unexpected '${tag}': there is no open '${want}'`, tagAt);
        if (top.tag !== want) throw new TemplateError(`unexpected '${tag}': the '${top.tag}' opened before it is still open`, tagAt);
        stack.pop();
        break;
      }
      case 'for': {
        const m = /^\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\s+([\s\S]+)$/.exec(rest);
        if (!m) throw new TemplateError("expected 'for name in list'", restAt);
        const iterAt = restAt + rest.indexOf(m[2]!, rest.indexOf(' in ') + 3);
        const node: Open['node'] = { t: 'for', name: m[1]!, iter: parseExpr(m[2]!, iterAt), body: [], otherwise: [] };
        target().push(node);
        stack.push({ tag: 'for', at: tagAt, node, body: node.body });
        break;
      }
      case 'set': {
        const m = /^\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([\s\S]+)$/.exec(rest);
        if (!m) throw new TemplateError("expected 'set name = value'", restAt);
        target().push({ t: 'set', name: m[1]!, e: parseExpr(m[2]!, restAt + rest.indexOf(m[2]!)) });
        break;
      }
      default:
        if (!tag) throw new TemplateError('expected a tag name', tagAt);
        throw new TemplateError(forbiddenTags[tag] ?? `the '${tag}' tag is not supported in these templates`, tagAt);
    }
  }
  const open = stack.pop();
  if (open) throw new TemplateError(`'${open.tag}' is not closed: add {% end${open.tag} %}`, open.at);
  return root;
}

const escapeHTML = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');

function run(nodes: Node[], scope: Scope, html: boolean, out: string[]) {
  for (const n of nodes) {
    switch (n.t) {
      case 'text':
        out.push(n.text);
        break;
      case 'out': {
        const s = str(n.e(scope));
        out.push(html ? escapeHTML(s) : s);
        break;
      }
      case 'set':
        scope.set(n.name, n.e(scope));
        break;
      case 'if': {
        const branch = n.branches.find((b) => truthy(b.cond(scope)));
        run(branch ? branch.body : n.otherwise, scope, html, out);
        break;
      }
      case 'for': {
        const items = n.iter(scope);
        const list = Array.isArray(items) ? items : [];
        if (list.length === 0) run(n.otherwise, scope, html, out);
        list.forEach((item, index) => {
          const inner: Scope = new Map(scope);
          inner.set(n.name, item);
          inner.set('loop', { index: index + 1, index0: index, first: index === 0, last: index === list.length - 1, length: list.length });
          run(n.body, inner, html, out);
        });
        break;
      }
    }
  }
}

function position(source: string, at: number): { line: number; column: number } {
  const before = [...source.slice(0, at)];
  let line = 1;
  let column = 1;
  for (const ch of before) {
    if (ch === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

/** Renders source as the template of field with the sample variables, as TemplateService.Preview does. */
export function previewTemplate(field: string, source: string): TemplatePreview {
  const html = isHTML(field);
  const vars = sampleVars(field);
  const p: TemplatePreview = { output: '', html, vars, error: '', line: 0, column: 0 };
  if ([...source].length > 12288) {
    p.error = `templates: ${field}: template has ${[...source].length} characters, at most 12288 are allowed: template limit exceeded`;
    return p;
  }
  try {
    const out: string[] = [];
    run(parse(source), new Map(Object.entries(vars)), html, out);
    p.output = out.join('');
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    const { line, column } = position(source, e.at);
    p.error = e.message;
    p.line = line;
    p.column = column;
  }
  return p;
}
