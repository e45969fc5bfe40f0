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

export type ProblemCode = 'invalid' | 'invalid_batch' | 'keychain_unavailable' | 'not_found' | 'error';

/** How every backend error reaches the window (app/desktop/errors.go). */
export interface Problem {
  code: ProblemCode;
  message: string;
  fields?: Record<string, string>;
  problems?: BatchProblem[];
}

/** What an import did (result) or why it did nothing (problem), for the report dialog. */
export type ImportReport = { file?: string; result: ImportResult; problem?: undefined } | { file?: string; problem: Problem; result?: undefined };
