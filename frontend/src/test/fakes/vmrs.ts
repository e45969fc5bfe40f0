// The fake personal VMRs (app/desktop/vmrs.go over backend/conference):
// the same validation, normalisation, uniqueness and CSV import, and the
// same Problems ("invalid" with fields) and error texts.
import type { Conference, Problem, VMRImport } from '../../lib/types';

const pinPattern = /^[0-9]{4,20}$/;
const runes = (s: string) => [...s].length;

export class ValidationErrors {
  fields: Record<string, string> = {};
  add(field: string, message: string) {
    if (!(field in this.fields)) this.fields[field] = message;
  }
  get empty() {
    return Object.keys(this.fields).length === 0;
  }
}

function validEmail(s: string): boolean {
  // net/mail.ParseAddress with the address alone: local@domain, no spaces or brackets.
  return /^[^\s@<>()",;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(s);
}

/** conference.Validate */
export function validate(c: Conference): ValidationErrors {
  const v = new ValidationErrors();
  const n = runes(c.name.trim());
  if (n === 0) v.add('name', 'the name is required');
  else if (runes(c.name) > 250) v.add('name', `the name is ${runes(c.name)} characters long; the limit is 250`);
  if (runes(c.description) > 250) v.add('description', 'the description is longer than 250 characters');
  if (c.aliases.length === 0) v.add('aliases', 'give at least one alias, for example meet.alice@vc.example.com');
  const seen = new Set<string>();
  c.aliases.forEach((a, i) => {
    const s = a.alias.trim();
    if (s === '') v.add('aliases', `alias ${i + 1} is empty`);
    else if (s.length > 250 || /[ \t\r\n<>"]/.test(s)) v.add('aliases', `alias "${s}" may not contain spaces, quotes or angle brackets, or be longer than 250`);
    else if (seen.has(s.toLowerCase())) v.add('aliases', `alias "${s}" is listed twice`);
    seen.add(s.toLowerCase());
  });
  if (c.pin !== '' && !pinPattern.test(c.pin)) v.add('pin', 'the PIN must be 4 to 20 digits');
  if (c.guest_pin !== '') {
    if (!pinPattern.test(c.guest_pin)) v.add('guest_pin', 'the guest PIN must be 4 to 20 digits');
    else if (c.pin === '') v.add('guest_pin', 'a guest PIN needs a host PIN: set the PIN too');
    else if (c.guest_pin === c.pin) v.add('guest_pin', 'the guest PIN must differ from the host PIN, or guests could join as hosts');
    else if (c.guest_pin.length !== c.pin.length) v.add('guest_pin', `the guest PIN must have as many digits as the host PIN (${c.pin.length})`);
  }
  const e = c.primary_owner_email_address;
  if (e !== '' && !validEmail(e)) v.add('primary_owner_email_address', `"${e}" is not an email address`);
  return v;
}

function normalize(c: Conference): Conference {
  return {
    ...c,
    name: c.name.trim(),
    description: c.description ?? '',
    primary_owner_email_address: (c.primary_owner_email_address ?? '').trim().toLowerCase(),
    pin: (c.pin ?? '').trim(),
    guest_pin: (c.guest_pin ?? '').trim(),
    allow_guests: c.allow_guests === true,
    aliases: (c.aliases ?? []).map((a) => ({ alias: (a.alias ?? '').trim(), description: a.description ?? '' })),
  };
}

const invalid = (fields: Record<string, string>): Problem => ({ code: 'invalid', message: 'Some fields need attention.', fields });

export const CSV_COLUMNS = ['name', 'description', 'aliases', 'pin', 'guest_pin', 'allow_guests', 'primary_owner_email_address'];

/** Parses CSV (RFC 4180 quotes) into records with the line each starts on. */
export function parseCSV(text: string): Array<{ line: number; cells: string[] }> {
  const out: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  const endRecord = () => {
    cells.push(cell);
    if (any || cells.length > 1 || cell !== '') out.push({ line: start, cells });
    cells = [];
    cell = '';
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      any = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      any = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      cell += ch;
      any = true;
    }
  }
  if (cell !== '' || cells.length) endRecord();
  return out;
}

/** A VMR for seed(): aliases as plain strings. */
export type VMRSample = Partial<Omit<Conference, 'aliases'>> & { name: string; aliases: string[] };

/** A CSV the fake "finds" in the file dialog. */
export const sampleCSV = `name,description,aliases,pin,guest_pin,allow_guests,primary_owner_email_address
Jordan Lee's room,Weekly team calls,meet.jordan@vc.contoso.com;8123460,1357,2468,true,jordan.lee@contoso.com
Design review,,design@vc.contoso.com 8123461,,,false,mia.chen@contoso.com
`;

export class FakeVMRs {
  items = new Map<number, Conference>();
  /** What the next ImportCSVFile reads; null acts as a cancelled dialog. */
  csv: string | null = sampleCSV;
  csvPath = '/home/admin/Documents/personal-vmrs.csv';
  private nextID = 1;
  private clock = Date.parse('2025-11-20T10:00:00Z');

  reset() {
    this.items.clear();
    this.csv = sampleCSV;
    this.nextID = 1;
    this.clock = Date.parse('2025-11-20T10:00:00Z');
  }

  private now(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString();
  }

  list(owner: string): Conference[] {
    const o = owner.trim().toLowerCase();
    return [...this.items.values()].filter((c) => !o || c.primary_owner_email_address === o).sort((a, b) => a.name.localeCompare(b.name));
  }

  private check(c: Conference, exceptID: number): ValidationErrors {
    const v = validate(c);
    for (const other of this.items.values()) {
      if (other.id === exceptID) continue;
      if (other.name.toLowerCase() === c.name.toLowerCase()) v.add('name', `a conference named "${c.name}" already exists`);
    }
    const taken = c.aliases
      .map((a) => a.alias)
      .filter((a) => [...this.items.values()].some((o) => o.id !== exceptID && o.aliases.some((x) => x.alias.toLowerCase() === a.toLowerCase())));
    if (taken.length) v.add('aliases', `already in use by another VMR: ${taken.join(', ')}`);
    return v;
  }

  create(input: Conference): Conference {
    const c = normalize({ ...input, id: 0 });
    const v = this.check(c, 0);
    if (!v.empty) throw invalid(v.fields);
    c.id = this.nextID++;
    c.created_at = c.updated_at = this.now();
    this.items.set(c.id, c);
    return c;
  }

  update(input: Conference): Conference {
    if (!input.id) throw { code: 'error', message: 'conference: no conference chosen to update' } satisfies Problem;
    const old = this.items.get(input.id);
    if (!old) throw { code: 'not_found', message: 'conference: not found' } satisfies Problem;
    const c = normalize(input);
    const v = this.check(c, c.id);
    if (!v.empty) throw invalid(v.fields);
    c.created_at = old.created_at;
    c.updated_at = this.now();
    this.items.set(c.id, c);
    return c;
  }

  delete(id: number): void {
    if (!this.items.delete(id)) throw { code: 'not_found', message: 'conference: not found' } satisfies Problem;
  }

  importCSVFile(): VMRImport {
    if (this.csv === null) return { cancelled: true, file: '', created: [] };
    return { cancelled: false, file: this.csvPath, created: this.importCSV(this.csv) };
  }

  /** conference.Service.ImportCSV: every row or none. */
  importCSV(text: string): Conference[] {
    const rows = parseCSV(text.replace(/^\ufeff/, ''));
    if (rows.length < 2) throw { code: 'error', message: `conference: the CSV needs a header row (${CSV_COLUMNS.join(',')}) and at least one VMR` } satisfies Problem;
    const col = new Map(rows[0]!.cells.map((h, i) => [h.trim().toLowerCase(), i]));
    for (const required of ['name', 'aliases']) {
      if (!col.has(required)) throw { code: 'error', message: `conference: the CSV header has no "${required}" column; columns are ${CSV_COLUMNS.join(',')}` } satisfies Problem;
    }
    const cell = (row: string[], name: string) => {
      const i = col.get(name);
      return i !== undefined && i < row.length ? row[i]!.trim() : '';
    };
    const problems: Array<{ line: number; fields: Record<string, string> }> = [];
    const all: Array<{ line: number; c: Conference }> = [];
    const report = (line: number, field: string, message: string) => {
      let p = problems.find((x) => x.line === line);
      if (!p) problems.push((p = { line, fields: {} }));
      if (!(field in p.fields)) p.fields[field] = message;
    };
    for (const { line, cells } of rows.slice(1)) {
      const c = normalize({
        id: 0,
        name: cell(cells, 'name'),
        description: cell(cells, 'description'),
        aliases: cell(cells, 'aliases')
          .split(/[; ]+/)
          .filter(Boolean)
          .map((alias) => ({ alias, description: '' })),
        pin: cell(cells, 'pin'),
        guest_pin: cell(cells, 'guest_pin'),
        allow_guests: false,
        primary_owner_email_address: cell(cells, 'primary_owner_email_address'),
        created_at: '',
        updated_at: '',
      });
      const g = cell(cells, 'allow_guests').toLowerCase();
      if (g !== '') {
        if (['1', 't', 'true'].includes(g)) c.allow_guests = true;
        else if (!['0', 'f', 'false'].includes(g)) report(line, 'allow_guests', `"${cell(cells, 'allow_guests')}" is not true or false`);
      }
      for (const [k, m] of Object.entries(validate(c).fields)) report(line, k, m);
      all.push({ line, c });
    }
    const names = new Map<string, number>();
    const aliases = new Map<string, number>();
    for (const { line, c } of all) {
      const key = c.name.toLowerCase();
      const l = names.get(key);
      if (l !== undefined) report(line, 'name', `the name is also on line ${l}`);
      names.set(key, line);
      for (const a of c.aliases) {
        const k = a.alias.toLowerCase();
        const la = aliases.get(k);
        if (la !== undefined && la !== line) report(line, 'aliases', `alias "${a.alias}" is also on line ${la}`);
        aliases.set(k, line);
      }
      for (const other of this.items.values()) {
        if (other.name.toLowerCase() === key) report(line, 'name', `a conference named "${c.name}" already exists`);
        for (const a of c.aliases) {
          if (other.aliases.some((x) => x.alias.toLowerCase() === a.alias.toLowerCase())) report(line, 'aliases', `alias "${a.alias}" is already in use by another VMR`);
        }
      }
    }
    if (problems.length) {
      problems.sort((a, b) => a.line - b.line);
      let message = `conference: ${problems.length} row(s) are invalid; nothing was imported`;
      for (const p of problems) {
        for (const k of Object.keys(p.fields).sort()) message += `\n  line ${p.line}, ${k}: ${p.fields[k]}`;
      }
      throw { code: 'error', message } satisfies Problem;
    }
    return all.map(({ c }) => {
      c.id = this.nextID++;
      c.created_at = c.updated_at = this.now();
      this.items.set(c.id, c);
      return c;
    });
  }

  seed(samples: Array<VMRSample>) {
    for (const s of samples) {
      this.create({
        id: 0,
        description: '',
        pin: '',
        guest_pin: '',
        allow_guests: false,
        primary_owner_email_address: '',
        created_at: '',
        updated_at: '',
        ...s,
        aliases: s.aliases.map((alias) => ({ alias, description: '' })),
      });
    }
  }
}

/** A few plausible VMRs for the preview. */
export const previewVMRs: Array<VMRSample> = [
  {
    name: 'Alex Morgan’s room',
    description: 'Personal meeting room of Alex Morgan',
    aliases: ['meet.alex@vc.contoso.com', 'alex.morgan@vc.contoso.com', '8123456'],
    pin: '4821',
    guest_pin: '7305',
    allow_guests: true,
    primary_owner_email_address: 'alex.morgan@contoso.com',
  },
  {
    name: 'Board room',
    description: 'Board meetings; hosts only',
    aliases: ['board@vc.fabrikam.com', '8100100'],
    pin: '739104',
    primary_owner_email_address: 'priya.shah@fabrikam.com',
  },
  {
    name: 'Sales weekly',
    aliases: ['sales@vc.contoso.com'],
    allow_guests: true,
    primary_owner_email_address: 'sam.lee@contoso.com',
  },
  {
    name: 'Sam Lee’s room',
    description: 'Customer calls',
    aliases: ['meet.sam@vc.contoso.com', '8123458'],
    pin: '2580',
    guest_pin: '1470',
    allow_guests: true,
    primary_owner_email_address: 'sam.lee@contoso.com',
  },
  {
    name: 'Support desk',
    description: 'Shared by the service desk; no single owner',
    aliases: ['support@vc.contoso.com'],
  },
];
