// The one module that calls the Go backend. Every function resolves with
// plain typed data or rejects with a Problem (see toProblem), never with
// whatever the bridge happened to throw. It is also the only subscriber to
// the backend's events (onHostRequest). In tests and `npm run preview:fake`
// the binding modules are aliased to src/test/fakes (vite.config.ts), or
// served by the fake through window.go (src/test/fakes/bridge.ts).
import * as IntegrationsJS from '../wailsjs/go/desktop/IntegrationService';
import * as SystemJS from '../wailsjs/go/desktop/SystemService';
import * as AddinHostJS from '../wailsjs/go/desktop/AddinHostService';
import * as VMRsJS from '../wailsjs/go/desktop/VMRService';
import * as TemplatesJS from '../wailsjs/go/desktop/TemplateService';
import * as SchedulerJS from '../wailsjs/go/desktop/SchedulerService';
import * as UserJS from '../wailsjs/go/desktop/UserService';
import * as InfinityJS from '../wailsjs/go/desktop/InfinityService';
import { ClipboardSetText, EventsOff, EventsOn } from '../wailsjs/runtime/runtime';
import { EVENT_HOST_REQUEST, EVENT_INFINITY_PROGRESS } from './contract.gen';
import type * as Go from './contract.gen';
import { toProblem } from './problem';
import type {
  CertInfo,
  Conference,
  ConferenceInput,
  Detail,
  DiagnosticReport,
  InfinityConnection,
  InfinityProgress,
  InfinityStatus,
  SyncDiff,
  SyncHistoryRow,
  SyncResult,
  ImportResult,
  ManifestFormat,
  Meeting,
  MyVMR,
  Preferences,
  Report,
  RequestLog,
  ScheduledConference,
  Schema,
  TemplatePreview,
  Upcoming,
  UserSession,
  Values,
  VMRImport,
} from './types';

export { toProblem, isProblem } from './problem';
export { EVENT_HOST_REQUEST, EVENT_INFINITY_PROGRESS } from './contract.gen';

async function call<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toProblem(e);
  }
}

/**
 * bound gives a Wails binding module the contract's interface of the same
 * Go service. `make bindings` generates both from the Go methods; the
 * contract's types are the precise ones (unions from Go's constants, string
 * for time.Time, null where Go may send nil), Wails' are looser. The
 * parameter's type makes tsc check that the module has every method the
 * contract lists.
 */
function bound<S>(module: { [K in keyof S]: unknown }): S {
  return module as S;
}

const Integrations = bound<Go.IntegrationService>(IntegrationsJS);
const System = bound<Go.SystemService>(SystemJS);
const AddinHost = bound<Go.AddinHostService>(AddinHostJS);
const VMRs = bound<Go.VMRService>(VMRsJS);
const Templates = bound<Go.TemplateService>(TemplatesJS);
const Scheduler = bound<Go.SchedulerService>(SchedulerJS);
const User = bound<Go.UserService>(UserJS);
const Infinity = bound<Go.InfinityService>(InfinityJS);

// Go sends null for a nil slice or map; the window reads [] and {}.

function certInfo(c: Go.CertInfo): CertInfo {
  return { ...c, stores: c.stores ?? [] };
}

function vmr(c: Go.Conference): Conference {
  return { ...c, aliases: c.aliases ?? [] };
}

function vmrs(list: (Go.Conference | null)[] | null): Conference[] {
  return (list ?? []).filter((c) => c !== null).map(vmr);
}

/** found rejects like a Go error when a method that returns a pointer sent null. */
function found<T>(v: T | null): T {
  if (v === null) throw new Error('the backend answered nothing');
  return v;
}

// ---- events ----

const listeners = new Map<string, Set<(data: unknown) => void>>();

/**
 * subscribe listens to a backend event and returns the function that stops
 * listening. The runtime gets one EventsOn per event name, and its EventsOff
 * once the last listener has gone (EventsOff drops every callback of a name).
 */
function subscribe<K extends keyof Go.Events>(name: K, callback: (data: Go.Events[K]) => void): () => void {
  // The runtime hands over what Go emitted under this name: Go.Events[K].
  const listener = callback as (data: unknown) => void;
  let set = listeners.get(name);
  if (!set) {
    const fresh = new Set<(data: unknown) => void>();
    set = fresh;
    listeners.set(name, fresh);
    EventsOn(name, (...data: unknown[]) => {
      for (const l of [...fresh]) l(data[0]);
    });
  }
  const mine = set;
  mine.add(listener);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    mine.delete(listener);
    if (mine.size === 0 && listeners.get(name) === mine) {
      listeners.delete(name);
      EventsOff(name);
    }
  };
}

function scheduled(c: Go.ScheduledConference): ScheduledConference {
  return { ...c, cancelled_occurrences: c.cancelled_occurrences ?? [] };
}

function diagnosticReport(d: Go.DiagnosticReport | null): DiagnosticReport {
  const r = found(d);
  return { ...r, checks: r.checks ?? [] };
}

function detail(d: Go.Detail | null): Detail {
  return { integration: d?.integration ?? {}, warnings: d?.warnings ?? [] };
}

function importResult(r: Go.ImportResult): ImportResult {
  return { ...r, created: r.created ?? [], warnings: r.warnings ?? {} };
}

function userSession(v: Go.UserSession | null): UserSession {
  const r = found(v);
  return { ...r, integrations: r.integrations ?? [] };
}

function myVMR(r: Go.MyVMR): MyVMR {
  return { ...r, sip_aliases: r.sip_aliases ?? [], phone_aliases: r.phone_aliases ?? [], other_aliases: r.other_aliases ?? [] };
}

function upcoming(v: Go.Upcoming | null): Upcoming {
  const r = found(v);
  return { ...r, meetings: (r.meetings ?? []).map((m): Meeting => ({ ...m, video: m.video ?? null })) };
}

function historyRow(r: Go.SyncHistoryRow): SyncHistoryRow {
  return { ...r, changes: (r.changes ?? []).map((c) => ({ ...c, fields: c.fields ?? [] })) };
}

function infinityStatus(v: Go.InfinityStatus | null): InfinityStatus {
  const r = found(v);
  return { ...r, history: (r.history ?? []).map(historyRow), unfinished: (r.unfinished ?? []).map((c) => ({ ...c, fields: c.fields ?? [] })), deleted_there: (r.deleted_there ?? []).map((c) => ({ ...c, fields: c.fields ?? [] })) };
}

function syncResult(v: Go.SyncResult | null): SyncResult {
  const r = found(v);
  return { ...r, conflicts: r.conflicts ?? [], failed: r.failed ?? [], changes: r.changes ?? [] };
}

function syncDiff(v: Go.SyncDiff | null): SyncDiff {
  const r = found(v);
  return { ...r, objects: (r.objects ?? []).map((o) => ({ ...o, fields: o.fields ?? [] })) };
}

export const api = {
  schema: () =>
    call(async (): Promise<Schema> => {
      const s = await Integrations.Schema();
      return { groups: s.groups ?? [], fields: s.fields ?? [] };
    }),
  defaults: () => call(async (): Promise<Values> => (await Integrations.Defaults()) ?? {}),
  list: () => call(async () => (await Integrations.List()) ?? []),
  get: (uuid: string) => call(async () => detail(await Integrations.Get(uuid))),
  check: (uuid: string, values: Values, secrets: Record<string, string>) =>
    call(async () => {
      const r = await Integrations.Check(uuid, values, secrets);
      return { errors: r.errors ?? {}, field_errors: r.field_errors ?? {}, warnings: r.warnings ?? [] } satisfies Report;
    }),
  create: (values: Values, secrets: Record<string, string>) =>
    call(async () => detail(await Integrations.Create(values, secrets))),
  update: (uuid: string, values: Values, secrets: Record<string, string>, clearSecrets: string[]) =>
    call(async () => detail(await Integrations.Update(uuid, values, secrets, clearSecrets))),
  remove: (uuid: string) => call(() => Integrations.Delete(uuid)),
  importText: (json: string) => call(async () => importResult(found(await Integrations.ImportText(json)))),
  importFile: () =>
    call(async () => {
      const o = found(await Integrations.ImportFile());
      return { ...o, result: o.result && importResult(o.result) };
    }),
  /** Writes the integrations (all for []) to a file the user picks; "" when cancelled. */
  exportFile: (uuids: string[]) => call(() => Integrations.ExportFile(uuids)),
  info: () => call(() => System.Info()),
  ready: () => call(() => System.Ready()),
  /** Puts text on the system clipboard (the webview's clipboard API is not always there). */
  copyText: (text: string) =>
    call(async () => {
      if (!(await ClipboardSetText(text))) throw new Error('the clipboard refused the text');
    }),

  // ---- the add-in host ----
  hostStatus: () => call(() => AddinHost.Status()),
  /** Starts the host; rejects with the reason (e.g. the port is in use, or several people are signed in to this machine and allowSharedHost is off). */
  hostStart: (listen: string, auth: string, reservationRate: number, allowSharedHost = false) =>
    call(() => AddinHost.Start(listen, auth, reservationRate, allowSharedHost)),
  hostStop: () => call(() => AddinHost.Stop()),
  /** The last requests (at most 200), oldest first. */
  hostRequests: () => call(async () => (await AddinHost.RecentRequests()) ?? []),
  /** Calls back with each request the host handles from now on; returns the function that stops it. */
  onHostRequest: (callback: (entry: RequestLog) => void) => subscribe(EVENT_HOST_REQUEST, callback),
  certificate: () => call(async () => certInfo(await AddinHost.Certificate())),
  installCertificate: () => call(async () => certInfo(await AddinHost.InstallCertificate())),
  uninstallCertificate: () => call(async () => certInfo(await AddinHost.UninstallCertificate())),
  /** Uninstalls the CA where it can and deletes its private key (keychain and file) and certificate file. */
  deleteCertificate: () => call(async () => certInfo(await AddinHost.DeleteCertificateAuthority())),
  /** Asks where to save an integration's manifest and writes it; "" when cancelled. */
  saveManifest: (uuid: string, dev: boolean, format: ManifestFormat) => call(() => AddinHost.SaveManifest(uuid, dev, format)),

  // ---- personal VMRs ----
  /** The VMRs by name; only owner's when owner is set. */
  vmrList: (owner = '') => call(async () => vmrs(await VMRs.List(owner))),
  vmrCreate: (c: ConferenceInput) => call(async () => vmr(found(await VMRs.Create(c)))),
  vmrUpdate: (c: ConferenceInput) => call(async () => vmr(found(await VMRs.Update(c)))),
  vmrRemove: (id: number) => call(() => VMRs.Delete(id)),
  /** Asks for a CSV file and imports every VMR in it, or none. */
  vmrImportCSV: () =>
    call(async () => {
      const r = await VMRs.ImportCSVFile();
      return { cancelled: r?.cancelled ?? true, file: r?.file ?? '', created: vmrs(r?.created ?? null) } satisfies VMRImport;
    }),

  // ---- scheduled conferences ----
  /** Upcoming conferences and those ended in the last 24 hours; every integration's for "". */
  scheduledConferences: (integration = '') =>
    call(async () => ((await Scheduler.Conferences(integration)) ?? []).map(scheduled)),
  /** The latest operations log entries (at most limit), newest first. */
  schedulerLog: (integration: string, limit: number) =>
    call(async () => (await Scheduler.Log(integration, limit)) ?? []),
  /** Every integration's worker. */
  workers: () => call(async () => (await Scheduler.Workers()) ?? []),
  startWorker: (integration: string) => call(async () => found(await Scheduler.StartWorker(integration))),
  stopWorker: (integration: string) => call(async () => found(await Scheduler.StopWorker(integration))),
  /** Processes what waits in the mailbox now; a failed pass resolves with error and advice set. */
  runOnce: (integration: string) => call(async () => found(await Scheduler.RunOnce(integration))),
  testConnection: (integration: string) => call(async () => diagnosticReport(await Scheduler.TestConnection(integration))),
  /** Runs the diagnostics and saves the bundle where the user picks; "" when cancelled. */
  saveDiagnostics: (integration: string) => call(() => Scheduler.SaveDiagnostics(integration)),
  /** Puts a quarantined item or reply back in line; the running worker tries it at once. */
  retryQuarantined: (integration: string, kind: string, id: string) => call(() => Scheduler.Retry(integration, kind, id)),

  // ---- the user's side: sign-in, My VMR, upcoming meetings ----
  userSession: () => call(async () => userSession(await User.Session())),
  /** Opens the system browser at the sign-in page and resolves once the user is back (or rejects: consent_refused, …). */
  signIn: (integration: string) => call(async () => userSession(await User.SignIn(integration))),
  cancelSignIn: () => call(() => User.CancelSignIn()),
  signOut: () => call(() => User.SignOut()),
  myVMRs: () => call(async () => ((await User.MyVMRs()) ?? []).map(myVMR)),
  /** The cached meetings of today and the next 14 days, without fetching. */
  upcoming: () => call(async () => upcoming(await User.Upcoming())),
  /** Reads the calendar again; a failing source resolves with the last good copy, stale. */
  refreshMeetings: () => call(async () => upcoming(await User.Refresh())),
  cancelRefresh: () => call(() => User.CancelRefresh()),
  preferences: () => call(async () => found(await User.Preferences())),
  setPreferences: (p: Preferences) => call(async () => found(await User.SetPreferences(p))),
  /** Asks for an .ics file; "" when cancelled. */
  chooseCalendarFile: () => call(() => User.ChooseCalendarFile()),
  /** Saves one meeting as .ics where the user picks; "" when cancelled. */
  exportMeeting: (uid: string, recurrenceID: string) => call(() => User.ExportMeeting(uid, recurrenceID)),
  /** Opens a join link (https:, sip: or pexip:) in the system's handler. */
  join: (url: string) => call(() => User.Join(url)),

  // ---- Pexip Infinity: the connection and the two-way sync ----
  /** The connection and where the sync stands, from the store alone. */
  infinityStatus: () => call(async () => infinityStatus(await Infinity.Status())),
  /** Checks a connection without saving it; secret is the password or private key, never sent back. */
  infinityTest: (conn: InfinityConnection, secret: string) => call(async () => found(await Infinity.Test(conn, secret))),
  /** Tests and saves a connection; an empty secret keeps the stored one. */
  infinityConnect: (conn: InfinityConnection, secret: string) => call(async () => infinityStatus(await Infinity.Connect(conn, secret))),
  infinityDisconnect: () => call(async () => infinityStatus(await Infinity.Disconnect())),
  /** Asks for the Management Node's CA certificate; "" when cancelled. */
  infinityChooseCAFile: () => call(() => Infinity.ChooseCAFile()),
  /** Reads Infinity into the store; progress comes through onInfinityProgress. */
  infinityPull: () => call(async () => syncResult(await Infinity.Pull())),
  /** Sends what changed here; withSecrets sends the integrations' secrets too. */
  infinityPush: (withSecrets: boolean) => call(async () => syncResult(await Infinity.Push(withSecrets))),
  /** Stops the running pull or push. */
  infinityCancel: () => call(() => Infinity.Cancel()),
  /** The three-way comparison (here, on Infinity, as last pulled); reads Infinity. */
  infinityDiff: () => call(async () => syncDiff(await Infinity.Diff())),
  /** Settles one field's conflict: keep mine ("here") or take Infinity's ("infinity"). */
  infinityResolve: (kind: string, name: string, field: string, take: 'here' | 'infinity') => call(() => Infinity.Resolve(kind, name, field, take)),
  /** The latest pulls, pushes and resolves, newest first. */
  infinityHistory: () => call(async () => ((await Infinity.History()) ?? []).map(historyRow)),
  /** Calls back with each step of a running pull or push; returns the function that stops it. */
  onInfinityProgress: (callback: (p: InfinityProgress) => void) => subscribe(EVENT_INFINITY_PROGRESS, callback),

  // ---- templates ----
  /** Renders source as the template field with sample values; syntax errors come back in the result. */
  previewTemplate: (field: string, source: string) =>
    call(async () => {
      const p = await Templates.Preview(field, source);
      return { ...p, vars: p.vars ?? {} } satisfies TemplatePreview;
    }),
};

export type Api = typeof api;
