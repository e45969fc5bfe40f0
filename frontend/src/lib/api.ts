// The one module that calls the Go backend. Every function resolves with
// plain typed data or rejects with a Problem (see toProblem), never with
// whatever the bridge happened to throw. It is also the only subscriber to
// the backend's events (onHostRequest). In tests and `npm run preview:fake`
// the binding modules are aliased to src/test/fakes (vite.config.ts), or
// served by the fake through window.go (src/test/fakes/bridge.ts).
import * as Integrations from '../wailsjs/go/desktop/IntegrationService';
import * as System from '../wailsjs/go/desktop/SystemService';
import * as AddinHost from '../wailsjs/go/desktop/AddinHostService';
import * as VMRs from '../wailsjs/go/desktop/VMRService';
import * as Templates from '../wailsjs/go/desktop/TemplateService';
import * as Scheduler from '../wailsjs/go/desktop/SchedulerService';
import * as User from '../wailsjs/go/desktop/UserService';
import type { conference, desktop } from '../wailsjs/go/models';
import { ClipboardSetText, EventsOff, EventsOn } from '../wailsjs/runtime/runtime';
import { toProblem } from './problem';
import type {
  CertInfo,
  Conference,
  Detail,
  DiagnosticReport,
  HostStatus,
  ImportOutcome,
  ImportResult,
  ManifestFormat,
  Meeting,
  MyVMR,
  Preferences,
  Report,
  RequestLog,
  RunSummary,
  ScheduledConference,
  SchedulerLogEntry,
  Schema,
  Summary,
  SystemInfo,
  TemplatePreview,
  Upcoming,
  UserSession,
  Values,
  VMRImport,
  WorkerStatus,
} from './types';

export { toProblem, isProblem } from './problem';

async function call<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toProblem(e);
  }
}

// The generated classes are structurally the JSON the backend sends; these
// casts only narrow strings such as Field.kind to their known values.
const as = <T>(v: unknown) => v as T;

function certInfo(c: unknown): CertInfo {
  const r = as<CertInfo>(c);
  return { ...r, stores: r.stores ?? [] };
}

function vmr(c: unknown): Conference {
  const r = as<Conference>(c);
  return { ...r, aliases: r.aliases ?? [] };
}

// ---- events ----

/** The event that carries each request the add-in host handles (app/desktop/addinhost.go). */
export const EVENT_HOST_REQUEST = 'addinhost:request';

const listeners = new Map<string, Set<(data: unknown) => void>>();

/**
 * subscribe listens to a backend event and returns the function that stops
 * listening. The runtime gets one EventsOn per event name, and its EventsOff
 * once the last listener has gone (EventsOff drops every callback of a name).
 */
function subscribe(name: string, callback: (data: unknown) => void): () => void {
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
  mine.add(callback);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    mine.delete(callback);
    if (mine.size === 0 && listeners.get(name) === mine) {
      listeners.delete(name);
      EventsOff(name);
    }
  };
}

function scheduled(c: unknown): ScheduledConference {
  const r = as<ScheduledConference>(c);
  return { ...r, cancelled_occurrences: r.cancelled_occurrences ?? [] };
}

function diagnosticReport(d: unknown): DiagnosticReport {
  const r = as<DiagnosticReport>(d);
  return { ...r, checks: r.checks ?? [] };
}

function detail(d: unknown): Detail {
  const r = as<Partial<Detail> | null>(d);
  return { integration: r?.integration ?? {}, warnings: r?.warnings ?? [] };
}

function userSession(v: unknown): UserSession {
  const r = as<UserSession>(v);
  return { ...r, integrations: r.integrations ?? [] };
}

function myVMR(v: unknown): MyVMR {
  const r = as<MyVMR>(v);
  return { ...r, sip_aliases: r.sip_aliases ?? [], phone_aliases: r.phone_aliases ?? [], other_aliases: r.other_aliases ?? [] };
}

function upcoming(v: unknown): Upcoming {
  const r = as<Upcoming>(v);
  return { ...r, meetings: (r.meetings ?? []).map((m: Meeting) => ({ ...m, video: m.video ?? null })) };
}

export const api = {
  schema: () => call(async () => as<Schema>(await Integrations.Schema())),
  defaults: () => call(async () => as<Values>(await Integrations.Defaults())),
  list: () => call(async () => as<Summary[] | null>(await Integrations.List()) ?? []),
  get: (uuid: string) => call(async () => detail(await Integrations.Get(uuid))),
  check: (uuid: string, values: Values, secrets: Record<string, string>) =>
    call(async () => {
      const r = as<Partial<Report> | null>(await Integrations.Check(uuid, values, secrets));
      return { errors: r?.errors ?? {}, field_errors: r?.field_errors, warnings: r?.warnings ?? [] } satisfies Report;
    }),
  create: (values: Values, secrets: Record<string, string>) =>
    call(async () => detail(await Integrations.Create(values, secrets))),
  update: (uuid: string, values: Values, secrets: Record<string, string>, clearSecrets: string[]) =>
    call(async () => detail(await Integrations.Update(uuid, values, secrets, clearSecrets))),
  remove: (uuid: string) => call(() => Integrations.Delete(uuid)),
  importText: (json: string) => call(async () => as<ImportResult>(await Integrations.ImportText(json))),
  importFile: () => call(async () => as<ImportOutcome>(await Integrations.ImportFile())),
  /** Writes the integrations (all for []) to a file the user picks; "" when cancelled. */
  exportFile: (uuids: string[]) => call(() => Integrations.ExportFile(uuids)),
  info: () => call(async () => as<SystemInfo>(await System.Info())),
  ready: () => call(() => System.Ready()),
  /** Puts text on the system clipboard (the webview's clipboard API is not always there). */
  copyText: (text: string) =>
    call(async () => {
      if (!(await ClipboardSetText(text))) throw new Error('the clipboard refused the text');
    }),

  // ---- the add-in host ----
  hostStatus: () => call(async () => as<HostStatus>(await AddinHost.Status())),
  /** Starts the host; rejects with the reason (e.g. the port is in use, or several people are signed in to this machine and allowSharedHost is off). */
  hostStart: (listen: string, auth: string, reservationRate: number, allowSharedHost = false) =>
    call(async () => as<HostStatus>(await AddinHost.Start(listen, auth, reservationRate, allowSharedHost))),
  hostStop: () => call(async () => as<HostStatus>(await AddinHost.Stop())),
  /** The last requests (at most 200), oldest first. */
  hostRequests: () => call(async () => as<RequestLog[] | null>(await AddinHost.RecentRequests()) ?? []),
  /** Calls back with each request the host handles from now on; returns the function that stops it. */
  onHostRequest: (callback: (entry: RequestLog) => void) => subscribe(EVENT_HOST_REQUEST, (d) => callback(as<RequestLog>(d))),
  certificate: () => call(async () => certInfo(await AddinHost.Certificate())),
  installCertificate: () => call(async () => certInfo(await AddinHost.InstallCertificate())),
  uninstallCertificate: () => call(async () => certInfo(await AddinHost.UninstallCertificate())),
  /** Uninstalls the CA where it can and deletes its private key (keychain and file) and certificate file. */
  deleteCertificate: () => call(async () => certInfo(await AddinHost.DeleteCertificateAuthority())),
  /** Asks where to save an integration's manifest and writes it; "" when cancelled. */
  saveManifest: (uuid: string, dev: boolean, format: ManifestFormat) => call(() => AddinHost.SaveManifest(uuid, dev, format)),

  // ---- personal VMRs ----
  /** The VMRs by name; only owner's when owner is set. */
  vmrList: (owner = '') => call(async () => (as<Conference[] | null>(await VMRs.List(owner)) ?? []).map(vmr)),
  vmrCreate: (c: Conference) => call(async () => vmr(await VMRs.Create(as<conference.Conference>(c)))),
  vmrUpdate: (c: Conference) => call(async () => vmr(await VMRs.Update(as<conference.Conference>(c)))),
  vmrRemove: (id: number) => call(() => VMRs.Delete(id)),
  /** Asks for a CSV file and imports every VMR in it, or none. */
  vmrImportCSV: () =>
    call(async () => {
      const r = as<VMRImport | null>(await VMRs.ImportCSVFile());
      return { cancelled: r?.cancelled ?? true, file: r?.file ?? '', created: (r?.created ?? []).map(vmr) } satisfies VMRImport;
    }),

  // ---- scheduled conferences ----
  /** Upcoming conferences and those ended in the last 24 hours; every integration's for "". */
  scheduledConferences: (integration = '') =>
    call(async () => (as<ScheduledConference[] | null>(await Scheduler.Conferences(integration)) ?? []).map(scheduled)),
  /** The latest operations log entries (at most limit), newest first. */
  schedulerLog: (integration: string, limit: number) =>
    call(async () => as<SchedulerLogEntry[] | null>(await Scheduler.Log(integration, limit)) ?? []),
  /** Every integration's worker. */
  workers: () => call(async () => as<WorkerStatus[] | null>(await Scheduler.Workers()) ?? []),
  startWorker: (integration: string) => call(async () => as<WorkerStatus>(await Scheduler.StartWorker(integration))),
  stopWorker: (integration: string) => call(async () => as<WorkerStatus>(await Scheduler.StopWorker(integration))),
  /** Processes what waits in the mailbox now; a failed pass resolves with error and advice set. */
  runOnce: (integration: string) => call(async () => as<RunSummary>(await Scheduler.RunOnce(integration))),
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
  myVMRs: () => call(async () => (as<MyVMR[] | null>(await User.MyVMRs()) ?? []).map(myVMR)),
  /** The cached meetings of today and the next 14 days, without fetching. */
  upcoming: () => call(async () => upcoming(await User.Upcoming())),
  /** Reads the calendar again; a failing source resolves with the last good copy, stale. */
  refreshMeetings: () => call(async () => upcoming(await User.Refresh())),
  cancelRefresh: () => call(() => User.CancelRefresh()),
  preferences: () => call(async () => as<Preferences>(await User.Preferences())),
  setPreferences: (p: Preferences) => call(async () => as<Preferences>(await User.SetPreferences(as<desktop.Preferences>(p)))),
  /** Asks for an .ics file; "" when cancelled. */
  chooseCalendarFile: () => call(() => User.ChooseCalendarFile()),
  /** Saves one meeting as .ics where the user picks; "" when cancelled. */
  exportMeeting: (uid: string, recurrenceID: string) => call(() => User.ExportMeeting(uid, recurrenceID)),
  /** Opens a join link (https:, sip: or pexip:) in the system's handler. */
  join: (url: string) => call(() => User.Join(url)),

  // ---- templates ----
  /** Renders source as the template field with sample values; syntax errors come back in the result. */
  previewTemplate: (field: string, source: string) =>
    call(async () => {
      const p = as<Partial<TemplatePreview> | null>(await Templates.Preview(field, source));
      return {
        output: p?.output ?? '',
        html: p?.html ?? false,
        vars: p?.vars ?? {},
        error: p?.error ?? '',
        line: p?.line ?? 0,
        column: p?.column ?? 0,
      } satisfies TemplatePreview;
    }),
};

export type Api = typeof api;
