// The fake scheduler (app/desktop/scheduler.go over backend/scheduler and
// backend/diagnostics): workers that start, stop and run once with the real
// checks and messages, the scheduled conferences, the operations log, and
// connection tests. Integrations are known here by name, as the page uses
// them; the integrations fake is not consulted. The backend's answers that
// need no Exchange (a stopped worker, an ineligible integration, an unknown
// one, a retry of nothing) are the real ones, played back from the goldens.
import { golden, play } from './golden';
import type {
  DiagnosticCheck,
  DiagnosticReport,
  QuarantinedItem,
  RunSummary,
  ScheduledConference,
  SchedulerLogEntry,
  WorkerStatus,
} from '../../lib/types';

/** Go's zero time.Time as encoding/json writes it: "never". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

// The real Workers answer: Contoso HQ's worker stopped, Woodgrove lab
// (single-use VMRs off) disabled.
const recordedWorkers = golden<WorkerStatus[]>('scheduler workers').result!;
const stopped = recordedWorkers.find((w) => w.integration === 'Contoso HQ')!;
const disabled = recordedWorkers.find((w) => w.integration === 'Woodgrove lab')!;

/** A worker that never ran, as the real Workers reports it. */
export function blankStatus(integration: string): WorkerStatus {
  return { ...(JSON.parse(JSON.stringify(stopped)) as WorkerStatus), integration };
}

/** A quarantined item or reply as scheduler.Failure describes it. */
export function quarantinedItem(q: Partial<QuarantinedItem> & { integration: string; id: string }): QuarantinedItem {
  return {
    kind: 'item',
    what: '',
    subject: '',
    organizer: '',
    reason: 'internal error (panic): runtime error: slice bounds out of range [:19] with length 18',
    attempts: 1,
    first_failed: '2026-12-01T08:00:00Z',
    last_failed: '2026-12-01T08:00:00Z',
    next_attempt: '0001-01-01T00:00:00Z',
    quarantined: true,
    correlation_id: '1f0c2b9e-5d6a-4e7f-8a9b-0c1d2e3f4a5b',
    ...q,
  };
}

/** A pass that fails the way the real RunOnce reports it: in the summary. */
export interface PassFailure {
  error: string;
  advice: string;
}

export class FakeScheduler {
  /** Workers by integration name. */
  statuses = new Map<string, WorkerStatus>();
  /** Integrations that cannot have a worker: they answer as the real Woodgrove lab (single-use VMRs off). */
  ineligible = new Set<string>();
  conferences: ScheduledConference[] = [];
  log: SchedulerLogEntry[] = [];
  /** Connection test results by integration; a test of any other passes every check. */
  reports = new Map<string, DiagnosticCheck[]>();
  /** The next passes of these integrations fail so. */
  failures = new Map<string, PassFailure>();
  /** Where SaveDiagnostics "saves"; cancelled acts as a closed dialog. */
  diagnosticsDir = '/home/admin/Documents';
  diagnosticsCancelled = false;
  /** What "now" is; Date.now() unless a test pins it. */
  clock: () => number = () => Date.now();
  /** Quarantined items and replies, newest first. */
  quarantine: QuarantinedItem[] = [];

  reset() {
    this.quarantine = [];
    this.statuses.clear();
    this.ineligible.clear();
    this.conferences = [];
    this.log = [];
    this.reports.clear();
    this.failures.clear();
    this.diagnosticsCancelled = false;
    this.clock = () => Date.now();
  }

  private find(name: string): WorkerStatus {
    const st = this.statuses.get(name);
    if (!st) return play('scheduler start missing');
    return st;
  }

  private status(name: string): WorkerStatus {
    const st = this.find(name);
    const quarantined = this.quarantine.filter((q) => q.integration === name);
    const out = { ...st, quarantined: quarantined.slice(0, 50), quarantined_count: quarantined.length };
    if (this.ineligible.has(name)) return { ...out, state: disabled.state };
    return out;
  }

  quarantinedOf(name: string): QuarantinedItem[] {
    if (name) this.find(name);
    return this.quarantine.filter((q) => !name || q.integration === name);
  }

  /** scheduler.Retry: the item leaves the quarantine (the worker tries it again). */
  retry(name: string, kind: string, id: string): void {
    const i = this.quarantine.findIndex((q) => q.kind === kind && q.id === id && (!name || q.integration === name));
    if (i < 0) play('scheduler retry unknown');
    this.quarantine.splice(i, 1);
  }

  workers(): WorkerStatus[] {
    return [...this.statuses.keys()].sort((a, b) => a.localeCompare(b)).map((n) => this.status(n));
  }

  startWorker(name: string): WorkerStatus {
    const st = this.find(name);
    if (this.ineligible.has(name)) play('scheduler start ineligible');
    st.state = 'running';
    return this.status(name);
  }

  stopWorker(name: string): WorkerStatus {
    const st = this.find(name);
    st.state = 'stopped';
    return this.status(name);
  }

  runOnce(name: string): RunSummary {
    const st = this.find(name);
    if (this.ineligible.has(name)) play('scheduler run ineligible');
    const now = iso(this.clock());
    const lease = st.lease;
    // Another process holds the mailbox: the real answer for Contoso HQ held by process 4242 on vmr-server-1.
    if (lease && !lease.this_process && Date.parse(lease.expires_at) > this.clock()) return play<RunSummary>('scheduler run held');
    const failure = this.failures.get(name);
    if (failure) {
      st.last_error = failure.error;
      st.last_error_at = now;
      st.advice = failure.advice;
      return { integration: name, decided: 0, skipped: 0, sent: 0, failed: 0, quarantined: 0, error: failure.error, advice: failure.advice };
    }
    const summary: RunSummary = { integration: name, decided: st.backlog, skipped: 0, sent: st.outbox_pending + st.backlog, failed: 0, quarantined: 0 };
    st.processed += st.backlog;
    st.backlog = 0;
    st.outbox_pending = 0;
    st.last_sync = now;
    return summary;
  }

  /** Conferences of one integration ("" all) that are upcoming or ended since the last 24 hours began. */
  scheduled(name: string): ScheduledConference[] {
    if (name) this.find(name);
    const since = this.clock() - DAY;
    return this.conferences.filter((c) => {
      if (name && c.integration !== name) return false;
      const until = c.valid_until === ZERO_TIME ? Infinity : Date.parse(c.valid_until);
      return until >= since;
    });
  }

  entries(name: string, limit: number): SchedulerLogEntry[] {
    if (name) this.find(name);
    return this.log
      .filter((e) => !name || e.integration === name)
      .sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || b.id - a.id)
      .slice(0, limit > 0 ? limit : 200);
  }

  testConnection(name: string): DiagnosticReport {
    this.find(name);
    const checks = this.reports.get(name) ?? passingChecks();
    return { integration: name, started: iso(this.clock()), checks };
  }

  saveDiagnostics(name: string): string {
    this.find(name);
    if (this.diagnosticsCancelled) return '';
    return `${this.diagnosticsDir}/vmr-companion-diagnostics-${name}.json`;
  }

  /** Sample workers, conferences, a log and connection tests around now. */
  seed(now = this.clock()) {
    const at = (offset: number) => iso(now + offset);
    this.statuses.set('Contoso HQ', {
      ...blankStatus('Contoso HQ'),
      state: 'running',
      last_sync: at(-20_000),
      last_item: 'Quarterly business review',
      last_item_at: at(-6 * MINUTE),
      processed: 128,
    });
    this.statuses.set('Fabrikam Office 365', {
      ...blankStatus('Fabrikam Office 365'),
      state: 'failed',
      last_sync: at(-3 * HOUR),
      last_item: 'Budget planning',
      last_item_at: at(-3 * HOUR - 4 * MINUTE),
      processed: 12,
      backlog: 2,
      last_error: 'ews: GetItem for rooms.vc@fabrikam.onmicrosoft.com: the server refused the request (HTTP 401 Unauthorized)',
      last_error_at: at(-2 * HOUR),
      advice:
        'Exchange refused the service account: check its user name and password (or the OAuth settings), that it may open the room mailbox, and for app permissions that the app may impersonate it. Then start the worker again.',
    });
    this.statuses.set('Northwind Traders', {
      ...blankStatus('Northwind Traders'),
      state: 'backoff',
      last_sync: at(-14 * MINUTE),
      last_item: 'Weekly sales call',
      last_item_at: at(-15 * MINUTE),
      processed: 57,
      backlog: 3,
      outbox_pending: 1,
      last_error: 'ews: posting to https://exchange.northwind.local/EWS/Exchange.asmx: dial tcp 10.0.4.12:443: i/o timeout',
      last_error_at: at(-40_000),
      advice: 'Exchange is busy or out of reach; the worker retries by itself.',
    });
    this.statuses.set('Woodgrove lab', { ...blankStatus('Woodgrove lab') });
    this.ineligible.add('Woodgrove lab');

    const buffers = { before: 15 * MINUTE, after: 10 * MINUTE };
    const conference = (c: Partial<ScheduledConference> & { id: number; integration: string; startMs: number; endMs: number; untilMs?: number }) => {
      const { startMs, endMs, untilMs, ...rest } = c;
      return {
        conference_name: `VMR ${rest.id}`,
        alias: `meet.${rest.id}@vc.example.com`,
        numeric_alias: '',
        alias_uuid: `5e0f6c2a-7d1b-4c8e-9a3f-00000000000${rest.id}`,
        meeting_uid: `040000008200E00074C5B7101A82E0080000000000000000000000000000000${rest.id}`,
        subject: '',
        organizer: '',
        organizer_name: '',
        kind: 'single' as const,
        recurrence: '',
        start: iso(startMs),
        end: iso(endMs),
        valid_from: iso(startMs - buffers.before),
        valid_until: untilMs === undefined ? iso(endMs + buffers.after) : untilMs === Infinity ? ZERO_TIME : iso(untilMs + buffers.after),
        cancelled_occurrences: [],
        infinity_state: 'policy',
        infinity_id: 0,
        infinity_reason: '',
        infinity_status: 'answered by policy',
        state: 'active' as const,
        updated_at: iso(now - HOUR),
        ...rest,
      };
    };
    const hourStart = Math.floor(now / HOUR) * HOUR;
    this.conferences = [
      conference({
        id: 1,
        integration: 'Contoso HQ',
        conference_name: 'Quarterly business review (Alice Smith)',
        alias: 'meet.7304512@vc.contoso.com',
        numeric_alias: '7304512',
        subject: 'Quarterly business review',
        organizer: 'alice.smith@contoso.com',
        organizer_name: 'Alice Smith',
        startMs: hourStart + 2 * HOUR,
        endMs: hourStart + 3 * HOUR,
      }),
      conference({
        id: 2,
        integration: 'Contoso HQ',
        conference_name: 'Team stand-up (Bob Jones)',
        alias: 'meet.7304513@vc.contoso.com',
        numeric_alias: '7304513',
        subject: 'Team stand-up',
        organizer: 'bob.jones@contoso.com',
        organizer_name: 'Bob Jones',
        kind: 'recurring',
        recurrence: 'FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE,FR;COUNT=30',
        startMs: hourStart - 2 * DAY + HOUR,
        endMs: hourStart - 2 * DAY + HOUR + 15 * MINUTE,
        untilMs: hourStart + 68 * DAY,
        cancelled_occurrences: [iso(hourStart + 5 * DAY + HOUR), iso(hourStart + 12 * DAY + HOUR)],
        infinity_state: 'pending',
        infinity_reason: 'not connected to Pexip Infinity: run vmr-companion infinity connect --url https://<management node>',
        infinity_status: 'waiting (not connected to Pexip Infinity)',
      }),
      conference({
        id: 3,
        integration: 'Contoso HQ',
        conference_name: 'Supplier negotiation (Carol White)',
        alias: 'meet.7304514@vc.contoso.com',
        numeric_alias: '7304514',
        subject: 'Supplier negotiation',
        organizer: 'carol.white@contoso.com',
        organizer_name: 'Carol White',
        startMs: hourStart + DAY,
        endMs: hourStart + DAY + HOUR,
        state: 'cancelled',
      }),
      conference({
        id: 4,
        integration: 'Contoso HQ',
        conference_name: 'Onboarding: new starters (Dan Brown)',
        alias: 'meet.7304510@vc.contoso.com',
        numeric_alias: '7304510',
        subject: 'Onboarding: new starters',
        organizer: 'dan.brown@contoso.com',
        organizer_name: 'Dan Brown',
        startMs: hourStart - 5 * HOUR,
        endMs: hourStart - 4 * HOUR,
      }),
      conference({
        id: 5,
        integration: 'Northwind Traders',
        conference_name: 'Weekly sales call (Erin Green)',
        alias: 'sales.4471@vc.northwind.local',
        infinity_state: 'created',
        infinity_id: 17,
        infinity_status: 'created on Infinity as id 17',
        subject: 'Weekly sales call',
        organizer: 'erin.green@northwind.local',
        organizer_name: 'Erin Green',
        kind: 'recurring',
        recurrence: 'FREQ=WEEKLY;BYDAY=TH',
        startMs: hourStart - 7 * DAY + 3 * HOUR,
        endMs: hourStart - 7 * DAY + 4 * HOUR,
        untilMs: Infinity,
      }),
    ];

    let id = 0;
    // Random-looking, but the same on every run.
    const txid = (n: number) => `${(0x9b2c4e1a + n * 0x2f1b3d7).toString(16).padStart(8, '0')}-3f5d-4a7b-8c6e-${String(n).padStart(12, '0')}`;
    const entry = (e: Partial<SchedulerLogEntry> & { ago: number; integration: string; code: string }) => {
      const { ago, ...rest } = e;
      id++;
      return {
        id,
        transaction_uuid: txid(id),
        time: iso(now - ago),
        success: true,
        description: '',
        item_uid: `AAMkAGI2TG93AAA=${id}`,
        subject: '',
        organizer: '',
        ...rest,
      } satisfies SchedulerLogEntry;
    };
    this.log = [
      entry({
        ago: 6 * MINUTE,
        integration: 'Contoso HQ',
        code: 'accept_new_single',
        description: `video room meet.7304512@vc.contoso.com valid from ${iso(hourStart + 2 * HOUR - buffers.before)} to ${iso(hourStart + 3 * HOUR + buffers.after)}`,
        subject: 'Quarterly business review',
        organizer: 'alice.smith@contoso.com',
      }),
      entry({
        ago: 25 * MINUTE,
        integration: 'Contoso HQ',
        code: 'cancelled',
        description: 'the meeting was cancelled; its video room meet.7304514@vc.contoso.com is removed',
        subject: 'Supplier negotiation',
        organizer: 'carol.white@contoso.com',
      }),
      entry({
        ago: 15 * MINUTE,
        integration: 'Northwind Traders',
        code: 'reject_alias_conflict',
        success: false,
        description: 'the meeting already has the video room sales.4471@vc.northwind.local',
        subject: 'Weekly sales call (copy)',
        organizer: 'erin.green@northwind.local',
      }),
      entry({
        ago: 2 * HOUR,
        integration: 'Contoso HQ',
        code: 'cancelled_occurrence',
        description: `the occurrence of ${iso(hourStart + 5 * DAY + HOUR)} was cancelled; the video room stays for the rest of the series`,
        subject: 'Team stand-up',
        organizer: 'bob.jones@contoso.com',
      }),
      entry({
        ago: 3 * HOUR,
        integration: 'Fabrikam Office 365',
        code: 'reject_general_error',
        success: false,
        description: `the reply template failed: template: reply:3: unexpected "}" in operand (correlation id ${txid(5)})`,
        subject: 'Budget planning',
        organizer: 'frank.miller@fabrikam.com',
      }),
      entry({
        ago: 26 * HOUR,
        integration: 'Contoso HQ',
        code: 'accept_new_series',
        description: `video room meet.7304513@vc.contoso.com valid from ${iso(hourStart - 2 * DAY + HOUR - buffers.before)} to ${iso(hourStart + 68 * DAY + buffers.after)}`,
        subject: 'Team stand-up',
        organizer: 'bob.jones@contoso.com',
      }),
      entry({
        ago: 27 * HOUR,
        integration: 'Contoso HQ',
        code: 'reject_single_past',
        success: false,
        description: `the meeting ended at ${iso(now - 30 * HOUR)}`,
        subject: 'Retro (sent late)',
        organizer: 'dan.brown@contoso.com',
      }),
      entry({
        ago: 28 * HOUR,
        integration: 'Contoso HQ',
        code: 'ignored',
        description: 'not a meeting request: a plain message to the room mailbox',
        subject: 'Out of office',
        organizer: 'noreply@contoso.com',
      }),
    ];

    this.reports.set('Fabrikam Office 365', [
      ...passingChecks().slice(0, 4),
      {
        id: 'ews_auth',
        title: 'Service account signs in to EWS',
        outcome: 'fail',
        detail: 'POST https://outlook.office365.com/EWS/Exchange.asmx answered 401: the access token was refused',
        fix: 'grant the app the Exchange permission (full_access_as_app for APP_PERM, EWS.AccessAsUser.All for OAUTH) with admin consent',
        elapsed_ns: 412_000_000,
      },
      { id: 'oauth_token', title: 'OAuth token endpoint', outcome: 'pass', detail: 'a token for https://outlook.office365.com/.default came back', fix: '', elapsed_ns: 230_000_000 },
      {
        id: 'exchange_domains',
        title: 'EWS host in the Exchange domains',
        outcome: 'warn',
        detail: 'outlook.office365.com is not among the Exchange domains',
        fix: 'add outlook.office365.com to the Exchange domains, so the add-in accepts the EWS host',
        elapsed_ns: 100_000,
      },
      { id: 'layer7', title: 'Load balancer keeps NTLM connections', outcome: 'skip', detail: 'the integration signs in with OAuth, not NTLM', fix: '', elapsed_ns: 0 },
    ]);
  }
}

/** Every check passing, as for a healthy NTLM integration. */
export function passingChecks(): DiagnosticCheck[] {
  return [
    { id: 'config', title: 'Integration settings', outcome: 'pass', detail: 'the settings are valid and follow the deployment guide', fix: '', elapsed_ns: 200_000 },
    { id: 'dns', title: 'EWS host name resolves', outcome: 'pass', detail: 'mail.contoso.com resolves to 10.0.1.20', fix: '', elapsed_ns: 3_000_000 },
    { id: 'tcp', title: 'EWS port reachable', outcome: 'pass', detail: 'connected to mail.contoso.com:443 (10.0.1.20:443)', fix: '', elapsed_ns: 8_000_000 },
    { id: 'tls', title: 'EWS certificate', outcome: 'pass', detail: 'CN=mail.contoso.com, issued by Contoso Issuing CA 1, valid until 2026-09-30', fix: '', elapsed_ns: 21_000_000 },
    { id: 'ews_auth', title: 'Service account signs in to EWS', outcome: 'pass', detail: 'CONTOSO\\svc-vmr opened the calendar of rooms.vc@contoso.com', fix: '', elapsed_ns: 180_000_000 },
    { id: 'oauth_token', title: 'OAuth token endpoint', outcome: 'skip', detail: 'the integration signs in with NTLM', fix: '', elapsed_ns: 0 },
  ];
}
