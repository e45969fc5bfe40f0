// An in-memory stand-in for the Go backend (app/desktop's bound services),
// used by the unit tests and by `npm run preview:fake`. It holds no copy of
// the backend's rules: the schema and defaults are the real ones
// (fixtures.json) and every answer of IntegrationService is one the real
// service gave, recorded by app/desktop's TestGolden (see golden.ts). A test
// picks the scenario a call answers with (answer); the fake only keeps the
// list of integrations that creating, importing and deleting change.
import fixtures from './fixtures.json';
import type { Detail, ImportOutcome, ImportResult, Report, Schema, Summary, SystemInfo, Values } from '../../lib/types';
import { play, golden } from './golden';
import { FakeHost } from './host';
import { FakeVMRs } from './vmrs';
import { FakeScheduler } from './scheduler';
import { FakeUser } from './user';
import { FakeInfinity } from './infinity';

const schema = fixtures.schema as unknown as Schema;
const defaults = fixtures.defaults as unknown as Values;

/** Every integration a test or the preview can seed, as the real List and Get gave them. */
const world = golden<{ list: Summary[]; details: Record<string, Detail> }>('integrations').result!;

/** The scenarios a call answers with when a test has not chosen one. */
const defaultAnswers = {
  Check: 'integration check valid',
  Create: 'integration create Contoso',
  ImportText: 'integration import Contoso legacy',
  ImportFile: 'integration import file',
} as const;
export type Answered = keyof typeof defaultAnswers | 'Update';

interface Entry {
  summary: Summary;
  /** What Get answers; none for an imported one (its detail was not recorded). */
  detail?: Detail;
}

export interface Call {
  method: string;
  args: unknown[];
}

// Wails sends arguments and results as JSON; so does the fake.
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export class FakeBackend {
  /** The stored integrations: uuid → entry, in the order List gives them. */
  items = new Map<string, Entry>();
  /** Scenarios chosen by a test, per method (see answer). */
  private answers = new Map<string, string[]>();
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
  /** Pexip Infinity: the connection, pull and push, the diff, the history (InfinityService). */
  infinity = new FakeInfinity(this);
  /** Runtime events: name → callbacks (EventsOn), and every EventsOn/EventsOff call. */
  listeners = new Map<string, Set<(...data: unknown[]) => void>>();
  eventCalls: Array<{ op: 'on' | 'off'; name: string }> = [];
  /** What ClipboardSetText put on the clipboard. */
  clipboard = '';

  reset() {
    this.items.clear();
    this.answers.clear();
    this.calls = [];
    this.info = { ...this.info, keychain_ok: true, keychain_issue: '' };
    this.latency = 0;
    this.importFileOutcome = null;
    this.readyCalls = 0;
    this.host.reset();
    this.vmrs.reset();
    this.scheduler.reset();
    this.user.reset();
    this.infinity.reset();
    this.listeners.clear();
    this.eventCalls = [];
    this.clipboard = '';
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

  /**
   * The next calls of method answer as these golden scenarios, one per
   * call; the last one keeps answering. An answer with a Problem is thrown.
   */
  answer(method: Answered, ...scenarios: string[]) {
    this.answers.set(method, scenarios);
  }

  private scenario(method: Answered): string | undefined {
    const q = this.answers.get(method);
    if (!q?.length) return method === 'Update' ? undefined : defaultAnswers[method];
    return q.length > 1 ? q.shift() : q[0];
  }

  schema(): Schema {
    return schema;
  }

  defaults(): Values {
    return clone(defaults);
  }

  list(): Summary[] {
    return [...this.items.values()].map((e) => e.summary);
  }

  private entry(ref: string): Entry {
    const hit = this.items.get(ref) ?? [...this.items.values()].find((e) => e.summary.name === ref);
    if (hit?.detail) return hit;
    return play('integration get missing');
  }

  get(ref: string): Detail {
    return this.entry(ref).detail!;
  }

  check(): Report {
    return play(this.scenario('Check')!);
  }

  create(): Detail {
    const d = play<Detail>(this.scenario('Create')!);
    const uuid = String(d.integration.uuid);
    const summary = world.list.find((s) => s.uuid === uuid);
    if (!summary) throw new Error(`golden: ${uuid} is not in the golden "integrations"`);
    this.items.set(uuid, { summary, detail: d });
    return d;
  }

  /** Without a chosen scenario, saving answers with what is stored (the preview). */
  update(uuid: string): Detail {
    const name = this.scenario('Update');
    const d = name ? play<Detail>(name) : this.get(uuid);
    const e = this.items.get(String(d.integration.uuid));
    if (e) e.detail = d;
    return d;
  }

  delete(uuid: string): void {
    this.entry(uuid);
    this.items.delete(uuid);
  }

  private imported(res: ImportResult | null | undefined) {
    for (const summary of res?.created ?? []) this.items.set(summary.uuid, { summary });
  }

  importText(): ImportResult {
    const res = play<ImportResult>(this.scenario('ImportText')!);
    this.imported(res);
    return res;
  }

  importFile(): ImportOutcome {
    const out = this.importFileOutcome ? this.importFileOutcome() : play<ImportOutcome>(this.scenario('ImportFile')!);
    this.imported(out.result);
    return out;
  }

  exportFile(uuids: string[]): string {
    for (const u of uuids) this.entry(u);
    return this.exportPath;
  }

  /** Stores these integrations of the golden "integrations", by name. */
  seed(names: string[]) {
    for (const n of names) if (!world.list.some((s) => s.name === n)) throw new Error(`golden: no integration "${n}" in the golden "integrations"`);
    for (const s of world.list) if (names.includes(s.name)) this.items.set(s.uuid, { summary: s, detail: world.details[s.uuid] });
  }
}

/** The integrations of the preview. */
export const previewSamples = ['Contoso HQ', 'Fabrikam Office 365', 'Northwind Traders', 'Woodgrove lab'];
