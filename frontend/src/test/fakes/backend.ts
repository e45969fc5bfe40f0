// An in-memory stand-in for the Go backend (backend/integration and
// app/desktop), used by the unit tests and by `npm run preview:fake`. It
// follows the real one closely enough to exercise the window: the schema and
// defaults are the real ones (fixtures.json, written by
// scripts/_schemagen), names are required and unique, the common rules and
// formats are checked, secrets are kept apart from values, and warnings come
// back as the real lint gives them. Errors are thrown as the Problem objects
// the real ErrorFormatter produces.
import fixtures from './fixtures.json';
import type {
  BatchProblem,
  Detail,
  FieldSpec,
  ImportOutcome,
  ImportResult,
  Problem,
  Report,
  Schema,
  Summary,
  SystemInfo,
  Values,
  Warning,
} from '../../lib/types';
import { FakeHost } from './host';
import { FakeVMRs } from './vmrs';
import { FakeScheduler } from './scheduler';
import { FakeUser } from './user';

const schema = fixtures.schema as unknown as Schema;
const defaults = fixtures.defaults as unknown as Values;
const fieldByName = new Map(schema.fields.map((f) => [f.name, f]));
const secretFields = schema.fields.filter((f) => f.kind === 'secret').map((f) => f.name);
const assigned = new Set(['id', 'resource_uri', 'created_at', 'updated_at', 'secrets_stored']);

export interface Call {
  method: string;
  args: unknown[];
}

// Wails sends arguments and results as JSON; so does the fake.
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
const label = (name: string) => fieldByName.get(name)?.label ?? name;

class FieldErrors {
  fields: Record<string, string> = {};
  add(field: string, message: string) {
    if (!(field in this.fields)) this.fields[field] = message;
  }
  get empty() {
    return Object.keys(this.fields).length === 0;
  }
}

function invalid(fields: Record<string, string>): Problem {
  return { code: 'invalid', message: 'Some fields need attention.', fields };
}

const domainLabel = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
export function validDomain(s: string): boolean {
  if (!s || s.length > 253) return false;
  return s.replace(/\.$/, '').split('.').every((l) => domainLabel.test(l));
}
function parseURL(s: string): URL | undefined {
  try {
    const u = new URL(s);
    if (!u.host || u.username || u.password) return undefined;
    return u;
  } catch {
    return undefined;
  }
}
function validEmail(s: string): boolean {
  const at = s.lastIndexOf('@');
  return at > 0 && !/\s/.test(s) && validDomain(s.slice(at + 1));
}
const blank = (v: unknown) => v === null || v === undefined || String(v).trim() === '';

interface Input {
  it: Values;
  secrets: Record<string, string | null>;
  unknown: string[];
}

export class FakeBackend {
  items = new Map<string, Values>();
  /** Keychain: "uuid/field" → value. */
  keychain = new Map<string, string>();
  calls: Call[] = [];
  info: SystemInfo = {
    version: '0.1.0-fake',
    database_path: '/home/admin/.local/share/vmr-companion/vmr-companion.db',
    keychain_ok: true,
    keychain_issue: '',
  };
  /** Milliseconds each call waits, to show progress in the preview. */
  latency = 0;
  /** What the next ImportFile returns; by default a sample file is "chosen". */
  importFileOutcome: (() => ImportOutcome) | null = null;
  exportPath = '/home/admin/Documents/integrations.json';
  readyCalls = 0;
  /** The add-in host, its CA and request log (AddinHostService). */
  host = new FakeHost(this);
  /** Personal VMRs (VMRService). */
  vmrs = new FakeVMRs();
  /** Scheduler workers, scheduled conferences, the operations log, connection tests (SchedulerService). */
  scheduler = new FakeScheduler();
  /** The user's side: sign-in, My VMR, upcoming meetings (UserService). */
  user = new FakeUser();
  /** Runtime events: name → callbacks (EventsOn), and every EventsOn/EventsOff call. */
  listeners = new Map<string, Set<(...data: unknown[]) => void>>();
  eventCalls: Array<{ op: 'on' | 'off'; name: string }> = [];
  /** What ClipboardSetText put on the clipboard. */
  clipboard = '';
  private nextID = 1;
  private clock = Date.parse('2025-11-20T09:30:00Z');

  reset() {
    this.items.clear();
    this.keychain.clear();
    this.calls = [];
    this.info = { ...this.info, keychain_ok: true, keychain_issue: '' };
    this.latency = 0;
    this.importFileOutcome = null;
    this.readyCalls = 0;
    this.host.reset();
    this.vmrs.reset();
    this.scheduler.reset();
    this.user.reset();
    this.listeners.clear();
    this.eventCalls = [];
    this.clipboard = '';
    this.nextID = 1;
    this.clock = Date.parse('2025-11-20T09:30:00Z');
  }

  async run<T>(method: string, args: unknown[], f: () => T): Promise<T> {
    this.calls.push({ method, args: clone(args) });
    if (this.latency > 0) await new Promise((r) => setTimeout(r, this.latency));
    else await Promise.resolve();
    return clone(f());
  }

  callsOf(method: string): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  // ---- runtime events (src/wailsjs/runtime: EventsOn, EventsOff, EventsEmit) ----

  on(name: string, callback: (...data: unknown[]) => void): () => void {
    this.eventCalls.push({ op: 'on', name });
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(callback);
    return () => set.delete(callback);
  }

  off(name: string): void {
    this.eventCalls.push({ op: 'off', name });
    this.listeners.delete(name);
  }

  /** Sends an event to the window as the Go side's runtime.EventsEmit does. */
  emit(name: string, ...data: unknown[]): void {
    for (const cb of [...(this.listeners.get(name) ?? [])]) cb(...clone(data));
  }

  listenerCount(name: string): number {
    return this.listeners.get(name)?.size ?? 0;
  }

  // ---- the service ----

  schema(): Schema {
    return schema;
  }

  defaults(): Values {
    return clone(defaults);
  }

  list(): Summary[] {
    return [...this.items.values()].map(summarize).sort((a, b) => a.name.localeCompare(b.name));
  }

  find(ref: string): Values {
    const byUUID = this.items.get(ref);
    if (byUUID) return byUUID;
    for (const it of this.items.values()) if (it.name === ref) return it;
    throw { code: 'not_found', message: 'integration: not found' } satisfies Problem;
  }

  get(ref: string): Detail {
    const it = this.find(ref);
    return { integration: it, warnings: this.warnings(it, storedAfter(it, {})) };
  }

  check(uuid: string, values: Values, secretValues: Record<string, string>): Report {
    let input: Input;
    try {
      input = this.input(uuid, values, secretValues, []);
    } catch (e) {
      const p = e as Problem;
      if (p.code === 'invalid') return { errors: p.fields ?? {}, warnings: [] };
      throw e;
    }
    const errors = this.validate(input.it);
    return { errors: errors.fields, warnings: this.warnings(input.it, storedAfter(input.it, input.secrets)) };
  }

  create(values: Values, secretValues: Record<string, string>): Detail {
    const input = this.input('', values, secretValues, []);
    const it = input.it;
    if (!it.uuid) it.uuid = crypto.randomUUID();
    const errors = this.validate(it);
    if (!errors.empty) throw invalid(errors.fields);
    this.writeSecrets(String(it.uuid), input.secrets);
    it.secrets_stored = storedAfter(it, input.secrets);
    it.id = this.nextID++;
    it.resource_uri = `/api/admin/configuration/v1/ms_exchange_connector/${String(it.id)}/`;
    it.created_at = it.updated_at = this.now();
    this.items.set(String(it.uuid), it);
    return { integration: it, warnings: this.warnings(it, it.secrets_stored as string[]) };
  }

  update(uuid: string, values: Values, secretValues: Record<string, string>, clearSecrets: string[]): Detail {
    if (!uuid) throw { code: 'error', message: 'desktop: no integration chosen to update' } satisfies Problem;
    const input = this.input(uuid, values, secretValues, clearSecrets);
    const it = input.it;
    const errors = this.validate(it);
    if (!errors.empty) throw invalid(errors.fields);
    this.writeSecrets(uuid, input.secrets);
    it.secrets_stored = storedAfter(it, input.secrets);
    it.updated_at = this.now();
    this.items.set(uuid, it);
    return { integration: it, warnings: this.warnings(it, it.secrets_stored as string[]) };
  }

  delete(uuid: string): void {
    const it = this.find(uuid);
    for (const f of secretFields) this.keychain.delete(`${String(it.uuid)}/${f}`);
    this.items.delete(String(it.uuid));
  }

  importText(text: string): ImportResult {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw { code: 'error', message: `integration: the import is not valid JSON: ${(e as Error).message}` } satisfies Problem;
    }
    let objects: unknown[];
    if (Array.isArray(parsed)) objects = parsed;
    else if (parsed && typeof parsed === 'object' && Array.isArray((parsed as Values).objects)) objects = (parsed as { objects: unknown[] }).objects;
    else if (parsed && typeof parsed === 'object') objects = [parsed];
    else throw { code: 'error', message: 'integration: the import must be a JSON object, an array of objects, or an API list response' } satisfies Problem;
    if (objects.length === 0) throw { code: 'error', message: 'integration: the import holds no integrations' } satisfies Problem;

    const problems: BatchProblem[] = [];
    const inputs: Input[] = [];
    const names = new Map<string, number>();
    objects.forEach((obj, i) => {
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
        problems.push({ index: i, error: 'integration: expected a JSON object' });
        return;
      }
      try {
        const input = this.decode(clone(defaults), obj as Values, true);
        const errs = this.validate(input.it, '');
        const key = String(input.it.name).toLowerCase();
        const j = names.get(key);
        if (j !== undefined && key) errs.add('name', `the name "${String(input.it.name)}" is also used by object ${j} of this import`);
        names.set(key, i);
        if (!errs.empty) problems.push({ index: i, name: String(input.it.name ?? ''), fields: errs.fields });
        inputs[i] = input;
      } catch (e) {
        const p = e as Problem;
        const name = typeof (obj as Values).name === 'string' ? String((obj as Values).name) : undefined;
        problems.push({ index: i, ...(name ? { name } : {}), ...(p.fields ? { fields: p.fields } : { error: p.message }) });
      }
    });
    if (problems.length) {
      throw {
        code: 'invalid_batch',
        message: `integration: ${problems.length} of the objects are invalid; nothing was imported`,
        problems,
      } satisfies Problem;
    }
    const res: ImportResult = { created: [], warnings: {}, unknown_fields: {} };
    inputs.forEach((input, i) => {
      const it = input.it;
      if (!it.uuid) it.uuid = crypto.randomUUID();
      this.writeSecrets(String(it.uuid), input.secrets);
      it.secrets_stored = storedAfter(it, input.secrets);
      it.id = this.nextID++;
      it.created_at = it.updated_at = this.now();
      this.items.set(String(it.uuid), it);
      res.created.push(summarize(it));
      const w = this.warnings(it, it.secrets_stored as string[]);
      if (w.length) res.warnings[i] = w;
      if (input.unknown.length) res.unknown_fields![i] = input.unknown;
    });
    return res;
  }

  importFile(): ImportOutcome {
    if (this.importFileOutcome) return this.importFileOutcome();
    const n = this.items.size + 1;
    const sample = { ...sampleIntegration(`Imported deployment ${n}`, `imported${n}.example.com`), legacy_field: true };
    return { cancelled: false, file: '/home/admin/Downloads/integrations.json', result: this.importText(JSON.stringify([sample])) };
  }

  exportFile(uuids: string[]): string {
    for (const u of uuids) this.find(u);
    return this.exportPath;
  }

  // ---- helpers, after backend/integration ----

  private now(): string {
    this.clock += 61_000;
    return new Date(this.clock).toISOString();
  }

  private input(uuid: string, values: Values, secretValues: Record<string, string>, clearSecrets: string[]): Input {
    if (!values || typeof values !== 'object') throw { code: 'error', message: 'desktop: encoding the form: not an object' } satisfies Problem;
    const base = uuid ? clone(this.find(uuid)) : clone(defaults);
    const input = this.decode(base, values, false);
    for (const [field, value] of Object.entries(secretValues ?? {})) {
      if (value === '') continue;
      const f = fieldByName.get(field);
      if (!f || f.kind !== 'secret') throw invalid({ [field]: `"${field}" is not a secret field` });
      if (f.max && value.length > f.max) throw invalid({ [field]: `${f.label} is ${value.length} characters long; the limit is ${f.max}` });
      input.secrets[field] = value;
    }
    for (const field of clearSecrets ?? []) input.secrets[field] = null;
    if (!this.info.keychain_ok && Object.keys(input.secrets).length) {
      throw { code: 'keychain_unavailable', message: `secrets: ${this.info.keychain_issue || 'the keychain is unavailable'}` } satisfies Problem;
    }
    return input;
  }

  private decode(base: Values, raw: Values, allowReadOnly: boolean): Input {
    const out: Input = { it: base, secrets: {}, unknown: [] };
    const errs = new FieldErrors();
    for (const name of Object.keys(raw).sort()) {
      const value = raw[name];
      if (assigned.has(name)) continue;
      const f = fieldByName.get(name);
      if (!f) {
        out.unknown.push(name);
        continue;
      }
      if (f.kind === 'secret') {
        if (f.read_only && !allowReadOnly) {
          errs.add(name, `${f.label} is read-only: it is obtained by signing in, not typed in`);
        } else if (value !== null && typeof value !== 'string') {
          errs.add(name, `${f.label} must be text`);
        } else if (typeof value === 'string') {
          out.secrets[name] = value;
        }
        continue;
      }
      if (f.read_only && !allowReadOnly) continue;
      const msg = decodeValue(out.it, f, value);
      if (msg) errs.add(name, msg);
    }
    if (!errs.empty) {
      for (const [k, m] of Object.entries(this.validate(out.it).fields)) errs.add(k, m);
      throw invalid(errs.fields);
    }
    return out;
  }

  validate(it: Values, exceptUUID = String(it.uuid ?? '')): FieldErrors {
    const v = new FieldErrors();
    for (const f of schema.fields) {
      if (f.kind === 'secret' || (f.read_only && f.name !== 'public_key')) continue;
      checkField(v, it, f);
    }
    checkRules(v, it);
    for (const other of this.items.values()) {
      if (other.uuid !== exceptUUID && other.name === it.name) {
        v.add('name', `an integration named "${String(it.name)}" already exists: choose another name`);
      }
    }
    return v;
  }

  warnings(it: Values, stored: string[]): Warning[] {
    const w = lint(it);
    const auth = it.authentication_method;
    if (it.enable_dynamic_vmrs && (auth === 'BASIC' || auth === 'NTLM') && !stored.includes('password')) {
      w.push({ field: 'password', message: 'no password is stored for the service account: the scheduler cannot sign in to Exchange until you set one' });
    }
    if (auth === 'APP_PERM' && !stored.includes('oauth_client_secret')) {
      w.push({ field: 'oauth_client_secret', message: 'no OAuth client secret is stored: APP_PERM cannot get a token until you set one' });
    }
    return w;
  }

  private writeSecrets(uuid: string, values: Record<string, string | null>) {
    for (const [field, value] of Object.entries(values)) {
      if (value === null || value === '') this.keychain.delete(`${uuid}/${field}`);
      else this.keychain.set(`${uuid}/${field}`, value);
    }
  }

  /** Adds integrations as if created through the window, for the preview and tests. */
  seed(samples: Array<{ values: Values; secrets?: Record<string, string> }>) {
    for (const s of samples) this.create(s.values, s.secrets ?? {});
  }
}

function decodeValue(it: Values, f: FieldSpec, value: unknown): string | undefined {
  if (value === null) {
    if (f.kind === 'string') it[f.name] = f.nullable ? null : '';
    if (f.kind === 'list') it[f.name] = [];
    return undefined;
  }
  switch (f.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `${f.label} must be a whole number`;
      break;
    case 'bool':
      if (typeof value !== 'boolean') return `${f.label} must be true or false`;
      break;
    case 'list':
      if (!Array.isArray(value)) return 'Exchange domains must be a list of domain names';
      {
        const list: string[] = [];
        for (const [i, item] of value.entries()) {
          if (typeof item === 'string') list.push(item.trim());
          else if (item && typeof item === 'object' && typeof (item as Values).domain === 'string') list.push(String((item as Values).domain).trim());
          else return `Exchange domains: entry ${i + 1} must be a domain name`;
        }
        it[f.name] = list;
      }
      return undefined;
    default:
      if (typeof value !== 'string') return `${f.label} must be text`;
  }
  it[f.name] = value;
  return undefined;
}

function checkField(v: FieldErrors, it: Values, f: FieldSpec) {
  const value = it[f.name];
  switch (f.kind) {
    case 'string': {
      if (value === null || value === undefined) {
        if (f.nullable) return;
      }
      const s = typeof value === 'string' ? value : '';
      const n = [...s].length;
      if (f.max && n > f.max) return v.add(f.name, `${f.label} is ${n} characters long; the limit is ${f.max}`);
      if (f.min && n < f.min) return v.add(f.name, f.min === 1 ? `${f.label} is required` : `${f.label} needs at least ${f.min} characters`);
      if (!s) return;
      checkFormat(v, f, s);
      return;
    }
    case 'int': {
      const n = Number(value);
      const min = f.min ?? 0;
      const max = f.max ?? 0;
      if (n < min || n > max) v.add(f.name, `${f.label} must be between ${min} and ${max}, not ${n}`);
      return;
    }
    case 'enum':
      if (!f.options?.includes(String(value))) v.add(f.name, `${f.label} must be one of ${(f.options ?? []).join(', ')}, not "${String(value)}"`);
      return;
    case 'list': {
      const seen = new Set<string>();
      (Array.isArray(value) ? (value as string[]) : []).forEach((item, i) => {
        const u = parseURL(item);
        if (f.max && item.length > f.max) v.add(f.name, `entry ${i + 1} is longer than ${f.max} characters`);
        else if (!validDomain(item) && !(u && u.protocol === 'https:')) v.add(f.name, `entry ${i + 1} ("${item}") is not a domain name or an https URL`);
        else if (seen.has(item.toLowerCase())) v.add(f.name, `"${item}" is listed twice`);
        seen.add(item.toLowerCase());
      });
      return;
    }
  }
}

function checkFormat(v: FieldErrors, f: FieldSpec, s: string) {
  switch (f.format) {
    case 'email':
      if (!validEmail(s)) v.add(f.name, `${f.label} must be an email address like room@example.com, not "${s}"`);
      break;
    case 'https_url': {
      const u = parseURL(s);
      if (!u) v.add(f.name, `${f.label} must be a full URL starting with https://`);
      else if (u.protocol !== 'https:') v.add(f.name, `${f.label} must use https, not ${u.protocol.replace(':', '')}`);
      break;
    }
    case 'url': {
      const u = parseURL(s);
      if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) v.add(f.name, `${f.label} must be a full URL starting with https://`);
      break;
    }
    case 'domain':
      if (!validDomain(s)) v.add(f.name, `${f.label} must be a domain name like example.com, not "${s}"`);
      break;
    case 'alias_prefix':
      if (!/^[A-Za-z0-9._+-]{1,8}$/.test(s)) v.add(f.name, `${f.label} may use letters, digits and . _ + - only`);
      break;
  }
}

function checkRules(v: FieldErrors, it: Values) {
  if (!it.enable_dynamic_vmrs && !it.enable_personal_vmrs) {
    v.add('enable_dynamic_vmrs', 'enable single-use VMRs, personal VMRs or both');
    v.add('enable_personal_vmrs', 'enable single-use VMRs, personal VMRs or both');
  }
  const auth = String(it.authentication_method);
  if (it.enable_dynamic_vmrs) {
    if (blank(it.room_mailbox_email_address)) v.add('room_mailbox_email_address', `${label('room_mailbox_email_address')} is required for single-use VMRs: the service watches this mailbox`);
    if (!it.url) v.add('url', `${label('url')} is required for single-use VMRs`);
    if ((auth === 'BASIC' || auth === 'NTLM') && !it.username) v.add('username', `${label('username')} is required for ${auth} authentication`);
  }
  if (auth === 'OAUTH' || auth === 'APP_PERM') {
    if (blank(it.oauth_client_id)) v.add('oauth_client_id', `${label('oauth_client_id')} is required for ${auth}`);
    if (!it.oauth_token_endpoint) v.add('oauth_token_endpoint', `${label('oauth_token_endpoint')} is required for ${auth}`);
    if (auth === 'OAUTH') {
      if (!it.oauth_auth_endpoint) v.add('oauth_auth_endpoint', `${label('oauth_auth_endpoint')} is required for OAUTH: the service account signs in there`);
      if (!it.oauth_redirect_uri) v.add('oauth_redirect_uri', `${label('oauth_redirect_uri')} is required for OAUTH`);
    }
  }
  if (it.enable_personal_vmrs) {
    if (blank(it.personal_vmr_oauth_client_id)) v.add('personal_vmr_oauth_client_id', `${label('personal_vmr_oauth_client_id')} is required for personal VMRs`);
    if (!it.personal_vmr_oauth_auth_endpoint) v.add('personal_vmr_oauth_auth_endpoint', `${label('personal_vmr_oauth_auth_endpoint')} is required for personal VMRs`);
    if (!it.personal_vmr_oauth_token_endpoint) v.add('personal_vmr_oauth_token_endpoint', `${label('personal_vmr_oauth_token_endpoint')} is required for personal VMRs`);
  }
  const addinAuth = it.addin_authentication_method;
  if ((addinAuth === 'SSO_TOKEN' || addinAuth === 'NAA_TOKEN') && blank(it.addin_application_id)) {
    v.add('addin_application_id', `${label('addin_application_id')} is required for ${String(addinAuth)}`);
  }
  if (addinAuth === 'NAA_TOKEN' && blank(it.addin_naa_web_api_application_id)) {
    v.add('addin_naa_web_api_application_id', `${label('addin_naa_web_api_application_id')} is required for NAA_TOKEN`);
  }
}

function host(it: Values): string {
  const u = parseURL(String(it.url ?? ''));
  return u ? u.hostname.toLowerCase() : '';
}

function lint(it: Values): Warning[] {
  const w: Warning[] = [];
  const h = host(it);
  const domains = (Array.isArray(it.domains) ? (it.domains as string[]) : []).map((d) => {
    const u = parseURL(d);
    return (u ? u.hostname : d.replace(/\.$/, '')).toLowerCase();
  });
  if (h && !domains.includes(h)) {
    w.push({ field: 'domains', message: `the EWS host ${h} is not in the Exchange domains: add it (or the load balancer's name, if one is in front of Exchange)` });
  }
  const auth = String(it.authentication_method);
  if (auth === 'NTLM') {
    w.push({ field: 'authentication_method', message: 'NTLM authenticates the connection, not the request: a load balancer in front of Exchange must forward at Layer 4 (TCP); at Layer 7 (HTTP) NTLM fails or, worse, shares one signed-in connection between clients' });
  }
  if (h === 'outlook.office365.com' && (auth === 'BASIC' || auth === 'NTLM')) {
    w.push({ field: 'authentication_method', message: `Office 365 no longer accepts ${auth} for EWS: choose OAUTH or APP_PERM and register an app in Entra ID` });
  }
  const d = String(it.addin_server_domain ?? '').replace(/\.$/, '');
  if (d && (!d.includes('.') || d.toLowerCase() === 'localhost')) {
    w.push({ field: 'addin_server_domain', message: `${d} is not a fully qualified domain name: Outlook loads the add-in from https://${d}, so use the full name that has a trusted certificate, like addins.example.com` });
  }
  return w;
}

function storedAfter(it: Values, given: Record<string, string | null>): string[] {
  const set = new Set(Array.isArray(it.secrets_stored) ? (it.secrets_stored as string[]) : []);
  for (const [f, v] of Object.entries(given)) {
    if (v) set.add(f);
    else set.delete(f);
  }
  return secretFields.filter((f) => set.has(f));
}

function summarize(it: Values): Summary {
  return {
    id: Number(it.id),
    uuid: String(it.uuid),
    name: String(it.name),
    description: String(it.description ?? ''),
    url: String(it.url ?? ''),
    room_mailbox_email_address: typeof it.room_mailbox_email_address === 'string' ? it.room_mailbox_email_address : '',
    authentication_method: String(it.authentication_method),
    enable_dynamic_vmrs: Boolean(it.enable_dynamic_vmrs),
    enable_personal_vmrs: Boolean(it.enable_personal_vmrs),
    updated_at: String(it.updated_at),
  };
}

export function sampleIntegration(name: string, host: string, extra: Values = {}): Values {
  return {
    name,
    description: '',
    url: `https://${host}/EWS/Exchange.asmx`,
    room_mailbox_email_address: `vmr@${host.split('.').slice(1).join('.') || host}`,
    room_mailbox_name: 'Video meeting room',
    domains: [host],
    username: 'svc-vmr',
    ...extra,
  };
}

/** A few plausible integrations for the preview. */
export const previewSamples: Array<{ values: Values; secrets?: Record<string, string> }> = [
  {
    values: sampleIntegration('Contoso HQ', 'mail.contoso.com', {
      description: 'Exchange 2019 at headquarters, behind the F5 load balancer',
      domains: ['mail.contoso.com', 'ex01.contoso.com', 'ex02.contoso.com'],
      authentication_method: 'NTLM',
      addin_server_domain: 'vmr.contoso.com',
    }),
    secrets: { password: 'preview-password' },
  },
  {
    values: sampleIntegration('Fabrikam Office 365', 'outlook.office365.com', {
      description: 'Exchange Online tenant fabrikam.onmicrosoft.com',
      room_mailbox_email_address: 'video@fabrikam.com',
      authentication_method: 'APP_PERM',
      oauth_client_id: '8f0c6b1e-3d2a-4c7b-9e51-2a6f0d9c1b44',
      oauth_token_endpoint: 'https://login.microsoftonline.com/fabrikam.onmicrosoft.com/oauth2/v2.0/token',
      enable_personal_vmrs: true,
      auth_provider: 'AZURE',
      personal_vmr_oauth_client_id: 'c5a1e0d2-7b3f-4e89-a6d4-1f2b3c4d5e6f',
      personal_vmr_oauth_auth_endpoint: 'https://login.microsoftonline.com/fabrikam.onmicrosoft.com/oauth2/v2.0/authorize',
      personal_vmr_oauth_token_endpoint: 'https://login.microsoftonline.com/fabrikam.onmicrosoft.com/oauth2/v2.0/token',
      addin_server_domain: 'vmr.fabrikam.com',
    }),
    secrets: { oauth_client_secret: 'preview-secret', personal_vmr_oauth_client_secret: 'preview-secret-2' },
  },
  {
    values: sampleIntegration('Northwind Traders', 'exchange.northwind.local', {
      description: 'Kerberos, personal rooms only',
      enable_dynamic_vmrs: false,
      enable_personal_vmrs: true,
      authentication_method: 'KERBEROS',
      kerberos_realm: 'NORTHWIND.LOCAL',
      kerberos_kdc: 'dc01.northwind.local',
      personal_vmr_oauth_client_id: 'northwind-vmr',
      personal_vmr_oauth_auth_endpoint: 'https://adfs.northwind.local/adfs/oauth2/authorize',
      personal_vmr_oauth_token_endpoint: 'https://adfs.northwind.local/adfs/oauth2/token',
    }),
  },
  {
    values: sampleIntegration('Woodgrove lab', 'ews.lab.woodgrove.net', {
      description: 'Test deployment for new templates',
      domains: [],
    }),
  },
];
