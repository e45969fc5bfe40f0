// Plain types of what the backend sends, as the window uses them. The
// generated classes in src/wailsjs/go/models.ts describe the same JSON;
// only src/lib/api.ts touches those.

export type FieldKind = 'string' | 'int' | 'bool' | 'enum' | 'list' | 'secret';
export type FieldFormat = 'email' | 'https_url' | 'url' | 'domain' | 'template' | 'multiline' | 'alias_prefix';

export interface FieldSpec {
  name: string;
  group: string;
  label: string;
  help?: string;
  kind: FieldKind;
  format?: FieldFormat;
  min?: number;
  max?: number;
  options?: string[];
  nullable?: boolean;
  read_only?: boolean;
  variables?: string[];
}

export interface GroupSpec {
  key: string;
  title: string;
  help: string;
}

export interface Schema {
  groups: GroupSpec[];
  fields: FieldSpec[];
}

/** An integration as JSON: field name → value. */
export type Values = Record<string, unknown>;

export interface Warning {
  field: string;
  message: string;
}

export interface Summary {
  id: number;
  uuid: string;
  name: string;
  description: string;
  url: string;
  room_mailbox_email_address: string;
  authentication_method: string;
  enable_dynamic_vmrs: boolean;
  enable_personal_vmrs: boolean;
  updated_at: string;
}

export interface Detail {
  integration: Values;
  warnings: Warning[];
}

export interface Report {
  errors: Record<string, string>;
  /** The same problems with codes (integration.Report.FieldErrors). */
  field_errors?: Record<string, FieldError>;
  warnings: Warning[];
}

export interface ImportResult {
  created: Summary[];
  warnings: Record<string, Warning[]>;
  unknown_fields?: Record<string, string[]>;
}

export interface ImportOutcome {
  cancelled: boolean;
  file: string;
  result?: ImportResult;
}

export interface SystemInfo {
  version: string;
  database_path: string;
  keychain_ok: boolean;
  keychain_issue: string;
}

export interface BatchProblem {
  index: number;
  name?: string;
  fields?: Record<string, string>;
  error?: string;
}

export type ProblemCode =
  | 'invalid'
  | 'invalid_batch'
  | 'keychain_unavailable'
  | 'not_found'
  | 'template_syntax'
  // sign-in (app/desktop/user.go)
  | 'signed_out'
  | 'sign_in_again'
  | 'consent_refused'
  | 'sign_in_failed'
  | 'error';

/** A field's problem: a code the window translates, and the English message (problem.FieldError). */
export interface FieldError {
  code: string;
  params?: Record<string, string>;
  message: string;
}

/** How every backend error reaches the window (app/desktop/errors.go). */
export interface Problem {
  code: ProblemCode;
  message: string;
  params?: Record<string, string>;
  /** Each field's text to show, translated where the backend sent a code. */
  fields?: Record<string, string>;
  field_errors?: Record<string, FieldError>;
  problems?: BatchProblem[];
}

/** What an import did (result) or why it did nothing (problem), for the report dialog. */
export type ImportReport = { file?: string; result: ImportResult; problem?: undefined } | { file?: string; problem: Problem; result?: undefined };

// ---- the add-in host (app/desktop/addinhost.go) ----

/** AuthNone and AuthOIDC of backend/addinhost. */
export type HostAuth = 'none' | 'oidc';

export interface HostStatus {
  running: boolean;
  /** Where the host is reached, e.g. https://127.0.0.1:3443 (running only). */
  url: string;
  auth: string;
  /** Said whenever the host runs without authentication. */
  warning: string;
  /** Why the last start failed, until a start succeeds. */
  error: string;
}

/** One trust store and whether the local CA is in it. */
export interface TrustStatus {
  name: string;
  path: string;
  installed: boolean;
  /** False when this process cannot change the store (then detail says why). */
  available: boolean;
  detail: string;
}

/** The local CA that signs the host's certificate. */
export interface CertInfo {
  name: string;
  file: string;
  /** "keychain", or the path of the key file. */
  key_location: string;
  key_in_file: boolean;
  /** Why the key is in a file: "locked", "timed_out", "no_keychain" or "keychain_error"; "" when in the keychain. */
  key_state: string;
  /** The backend's warning while the key is in a file (English). */
  key_notice: string;
  /** Set when an older CA (without today's limits) was replaced: why, and whether its trust moved. */
  replaced: string;
  not_after: string;
  stores: TrustStatus[];
  /** Set by deleteCertificate: the CA is gone; a new one is made when next needed. */
  deleted: boolean;
}

/** One request the host handled (backend/addinhost.RequestLog). */
export interface RequestLog {
  time: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  bytes: number;
  remote: string;
}

export type ManifestFormat = 'xml' | 'json';

// ---- personal VMRs (backend/conference) ----

export interface VMRAlias {
  alias: string;
  description: string;
}

/** A VMR (Infinity's "conference"); id 0 for one not saved yet. */
export interface Conference {
  id: number;
  name: string;
  description: string;
  aliases: VMRAlias[];
  pin: string;
  guest_pin: string;
  allow_guests: boolean;
  primary_owner_email_address: string;
  created_at?: string;
  updated_at?: string;
}

/** What a CSV import did; cancelled when the file dialog was closed. */
export interface VMRImport {
  cancelled: boolean;
  file: string;
  created: Conference[];
}

// ---- the template editor (app/desktop/templates.go) ----

/** A rendered template, or where its syntax is wrong (line and column from 1; 0 when unknown). */
export interface TemplatePreview {
  output: string;
  html: boolean;
  /** The sample variables the template was rendered with. */
  vars: Record<string, unknown>;
  error: string;
  line: number;
  column: number;
}

// ---- scheduled conferences (app/desktop/scheduler.go over backend/scheduler) ----

/** backend/scheduler's worker states. */
export type WorkerState = 'running' | 'backoff' | 'waiting' | 'failed' | 'stopped' | 'disabled';

/** A mailbox item or reply set aside after failing (scheduler.Failure); retried only on request. */
export interface QuarantinedItem {
  kind: 'item' | 'outbox';
  /** The EWS item id, or the reply's number. */
  id: string;
  integration: string;
  /** For a reply: accept, decline or update_body. */
  what: string;
  subject: string;
  organizer: string;
  reason: string;
  attempts: number;
  first_failed: string;
  last_failed: string;
  correlation_id: string;
}

/** Who works on a mailbox now (scheduler.Lease), and Exchange's back-off; times RFC 3339. */
export interface MailboxLease {
  pid: number;
  host: string;
  acquired_at: string;
  expires_at: string;
  backoff_until: string;
  /** This process (the window) holds it. */
  this_process: boolean;
}

/** One integration's scheduler worker (scheduler.Status); times are RFC 3339, year 1 when never. */
export interface WorkerStatus {
  integration: string;
  state: WorkerState;
  last_sync: string;
  last_item: string;
  last_item_at: string;
  processed: number;
  /** Items seen but not yet decided. */
  backlog: number;
  /** Replies not yet sent. */
  outbox_pending: number;
  last_error: string;
  last_error_at: string;
  /** What to do about last_error, when there is something to do. */
  advice: string;
  /** The newest quarantined items and replies (up to 50); quarantined_count counts all. */
  quarantined?: QuarantinedItem[] | null;
  quarantined_count?: number;
  /** Who works on the mailbox now; null when nobody. */
  lease?: MailboxLease | null;
}

/** What RunOnce did (scheduler.Summary); error and advice when the pass failed. */
export interface RunSummary {
  integration: string;
  decided: number;
  skipped: number;
  sent: number;
  /** Items and replies that failed this pass (tried again later), and those quarantined. */
  failed?: number;
  quarantined?: number;
  /** Another process works on the mailbox: who, and when the new meetings will be processed. */
  held?: string;
  error?: string;
  advice?: string;
}

/** A single-use VMR made for a meeting (scheduler.ScheduledConference). */
export interface ScheduledConference {
  id: number;
  integration: string;
  conference_name: string;
  alias: string;
  numeric_alias: string;
  alias_uuid: string;
  meeting_uid: string;
  subject: string;
  organizer: string;
  organizer_name: string;
  kind: 'single' | 'recurring';
  /** The series' RRULE; empty for a single meeting. */
  recurrence: string;
  start: string;
  end: string;
  /** start and end with the buffers; valid_until is year 1 for a series with no end. */
  valid_from: string;
  valid_until: string;
  /** The original starts of the occurrences cancelled or moved. */
  cancelled_occurrences: string[];
  state: 'active' | 'cancelled';
  updated_at: string;
}

/** One decision about one item of the room mailbox (scheduler.LogEntry). */
export interface SchedulerLogEntry {
  id: number;
  integration: string;
  transaction_uuid: string;
  time: string;
  success: boolean;
  code: string;
  description: string;
  item_uid: string;
  subject: string;
  organizer: string;
}

export type CheckOutcome = 'pass' | 'warn' | 'fail' | 'skip';

/** One finding of a connection test (diagnostics.Check). */
export interface DiagnosticCheck {
  id: string;
  title: string;
  outcome: CheckOutcome;
  detail: string;
  /** What to do; empty on pass. */
  fix: string;
  elapsed_ns: number;
}

/** A connection test of one integration (diagnostics.Report). */
export interface DiagnosticReport {
  integration: string;
  started: string;
  checks: DiagnosticCheck[];
}

// ---- the user's side (app/desktop/user.go) ----

/** An integration that offers personal VMRs (desktop.SignInOption). */
export interface SignInOption {
  uuid: string;
  name: string;
}

/** Problem codes of sign-in (desktop.Code*). */
export type SignInCode = 'signed_out' | 'sign_in_again' | 'consent_refused' | 'sign_in_failed';

/** desktop.UserSession */
export interface UserSession {
  integrations: SignInOption[];
  integration: string;
  signed_in: boolean;
  email: string;
  name: string;
  available: boolean;
  error_code: string;
  error: string;
}

/** desktop.MyVMR */
export interface MyVMR {
  id: number;
  name: string;
  description: string;
  sip_aliases: string[];
  phone_aliases: string[];
  other_aliases: string[];
  pin: string;
  guest_pin: string;
  allow_guests: boolean;
  web_url: string;
  instructions_html: string;
}

/** calendar.VideoLink */
export interface VideoLink {
  alias: string;
  web_url?: string;
  sip_uri?: string;
}

/** calendar.Meeting; times are RFC 3339. */
export interface Meeting {
  uid: string;
  recurrence_id?: string;
  summary: string;
  location: string;
  organizer: string;
  start: string;
  end: string;
  all_day: boolean;
  video?: VideoLink | null;
}

export type CalendarKind = '' | 'ews' | 'url' | 'file';

/** desktop.Upcoming */
export interface Upcoming {
  meetings: Meeting[];
  from: string;
  to: string;
  fetched_at: string;
  stale: boolean;
  error: string;
  warning: string;
  source: CalendarKind;
}

export type JoinMethod = 'web' | 'sip' | 'pexip';

/** desktop.Preferences */
export interface Preferences {
  join: JoinMethod;
  notify_minutes: number;
  calendar_kind: CalendarKind;
  calendar_value: string;
}
