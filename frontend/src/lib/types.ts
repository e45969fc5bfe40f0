// The types of what the backend sends, as the window uses them. Every shape
// is generated from the Go types (contract.gen.ts, written by `make
// bindings`); this module only names them as the code does and, where
// src/lib/api.ts puts [] or {} in place of a nil Go slice or map, says so.
// The window's own view types (Values, ImportReport) are the only
// hand-written ones.
import type * as Go from './contract.gen';

export type {
  BatchProblem,
  CalendarKind,
  CheckOutcome,
  ConferenceKind,
  ConferenceState,
  DiagnosticCheck,
  FailureKind,
  FieldError,
  FieldFormat,
  FieldKind,
  FieldSpec,
  GroupSpec,
  HostAuth,
  FieldDiff,
  FieldSide,
  HostStatus,
  InfinityAuth,
  InfinityConnection,
  InfinityProbe,
  InfinityProgress,
  ObjectState,
  SyncConflict,
  SyncKind,
  SyncTake,
  JoinMethod,
  MailboxLease,
  ManifestFormat,
  Preferences,
  Problem,
  ProblemCode,
  QuarantinedItem,
  RequestLog,
  RunSummary,
  SchedulerLogEntry,
  SignInCode,
  SignInOption,
  Summary,
  SystemInfo,
  TrustStatus,
  VideoLink,
  VMRAlias,
  Warning,
  WorkerState,
  WorkerStatus,
} from './contract.gen';

/** T whose fields K src/lib/api.ts fills in when Go sent null (a nil slice or map). */
export type Filled<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };

export type Schema = Filled<Go.Schema, 'groups' | 'fields'>;
export type Detail = Filled<Go.Detail, 'integration' | 'warnings'>;
export type Report = Filled<Go.Report, 'errors' | 'warnings'>;
export type ImportResult = Filled<Go.ImportResult, 'created' | 'warnings'>;
export type ImportOutcome = Omit<Go.ImportOutcome, 'result'> & { result: ImportResult | null };
export type CertInfo = Filled<Go.CertInfo, 'stores'>;
export type Conference = Filled<Go.Conference, 'aliases'>;
/** A VMR as the window saves it: the backend sets the times. */
export type ConferenceInput = Omit<Conference, 'created_at' | 'updated_at'>;
export type VMRImport = Omit<Go.VMRImport, 'created'> & { created: Conference[] };
export type TemplatePreview = Filled<Go.TemplatePreview, 'vars'>;
export type ScheduledConference = Filled<Go.ScheduledConference, 'cancelled_occurrences'>;
export type DiagnosticReport = Filled<Go.DiagnosticReport, 'checks'>;
export type UserSession = Filled<Go.UserSession, 'integrations'>;
export type MyVMR = Filled<Go.MyVMR, 'sip_aliases' | 'phone_aliases' | 'other_aliases'>;
/** A meeting; src/lib/api.ts makes an absent video link null. */
export type Meeting = Omit<Go.Meeting, 'video'> & { video?: Go.VideoLink | null };
export type Upcoming = Omit<Go.Upcoming, 'meetings'> & { meetings: Meeting[] };

export type SyncChange = Filled<Go.SyncChange, 'fields'>;
export type SyncHistoryRow = Omit<Go.SyncHistoryRow, 'changes'> & { changes: SyncChange[] };
export type InfinityStatus = Omit<Go.InfinityStatus, 'history' | 'unfinished' | 'deleted_there'> & {
  history: SyncHistoryRow[];
  unfinished: SyncChange[];
  deleted_there: SyncChange[];
};
export type SyncResult = Filled<Go.SyncResult, 'conflicts' | 'failed' | 'changes'>;
export type ObjectDiff = Filled<Go.ObjectDiff, 'fields'>;
export type SyncDiff = Omit<Go.SyncDiff, 'objects'> & { objects: ObjectDiff[] };

/** An integration as JSON: field name → value. */
export type Values = Record<string, unknown>;

/** What an import did (result) or why it did nothing (problem), for the report dialog. */
export type ImportReport =
  | { file?: string; result: ImportResult; problem?: undefined }
  | { file?: string; problem: Go.Problem; result?: undefined };
