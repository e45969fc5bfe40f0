// Form helpers: how each kind of schema field is edited (its "draft": the
// text in a box or a checkbox's state) and turned back into the JSON value
// the backend decodes, which fields show when, and small text helpers.
import type { FieldSpec, Schema, Values, Warning } from './types';

/** What a control holds: text for boxes, areas and selects; a boolean for switches. */
export type DraftValue = string | boolean;
export type Draft = Record<string, DraftValue>;

/** Identity fields shown (read-only) for stored integrations only. */
export const identityFields = ['id', 'uuid', 'resource_uri'] as const;

/** editable: the field's value is typed in the form and sent as a value (not a secret). */
export function editable(f: FieldSpec): boolean {
  return !f.read_only && f.kind !== 'secret';
}

/** Entries of a list box: one per line (a pasted comma-separated list splits too), trimmed, blanks dropped. */
export function linesToList(text: string): string[] {
  return text
    .split(/[\r\n,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function listToLines(v: unknown): string {
  if (!Array.isArray(v)) return '';
  return v
    .map((item) => (item && typeof item === 'object' && 'domain' in item ? String((item as { domain: unknown }).domain) : String(item)))
    .join('\n');
}

/** toDraft turns a JSON value into what the field's control shows. */
export function toDraft(f: FieldSpec, v: unknown): DraftValue {
  switch (f.kind) {
    case 'bool':
      return v === true;
    case 'list':
      return listToLines(v);
    case 'int':
      return typeof v === 'number' && Number.isFinite(v) ? String(v) : v == null ? '' : String(v);
    default:
      return v == null ? '' : String(v);
  }
}

/**
 * fromDraft turns a control's content back into the JSON value to send.
 * Nullable text fields send null when empty. A number box that does not
 * hold a whole number sends its text as it is, so the backend's message
 * ("… must be a whole number") shows beside the field.
 */
export function fromDraft(f: FieldSpec, d: DraftValue): unknown {
  switch (f.kind) {
    case 'bool':
      return d === true;
    case 'list':
      return linesToList(String(d));
    case 'int': {
      const s = String(d).trim();
      return /^-?\d+$/.test(s) ? Number(s) : s;
    }
    default: {
      const s = String(d);
      if (f.nullable && s.trim() === '') return null;
      return s;
    }
  }
}

/** draftOf fills every editable field's control from an integration. */
export function draftOf(schema: Schema, values: Values): Draft {
  const draft: Draft = {};
  for (const f of schema.fields) if (editable(f)) draft[f.name] = toDraft(f, values[f.name]);
  return draft;
}

/** valuesOf builds the values to send: every editable field, nothing read-only or secret. */
export function valuesOf(schema: Schema, draft: Draft): Values {
  const values: Values = {};
  for (const f of schema.fields) {
    if (!editable(f)) continue;
    const d = draft[f.name];
    if (d !== undefined) values[f.name] = fromDraft(f, d);
  }
  return values;
}

/** secretsToSend keeps the secret boxes that hold something: an empty box means "unchanged". */
export function secretsToSend(secrets: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secrets)) if (v !== '') out[k] = v;
  return out;
}

const oauthMethods = new Set(['OAUTH', 'APP_PERM']);

/**
 * shown tells whether a field is on the form now: OAuth fields only for
 * OAUTH and APP_PERM, Kerberos fields only for KERBEROS, a VMR kind's
 * fields only while it is enabled, identity fields only once stored, and
 * oauth_state never. Read-only values other than secrets' status are only
 * shown for stored integrations.
 */
export function shown(f: FieldSpec, draft: Draft, isNew: boolean): boolean {
  if (f.name === 'oauth_state') return false;
  if (f.read_only && f.kind !== 'secret' && isNew) return false;
  const auth = draft.authentication_method;
  if (f.name.startsWith('oauth_')) return oauthMethods.has(String(auth));
  if (f.name.startsWith('kerberos_')) return auth === 'KERBEROS';
  if (f.group === 'personal' && f.name !== 'enable_personal_vmrs') return draft.enable_personal_vmrs === true;
  if (f.group === 'single_use' && f.name !== 'enable_dynamic_vmrs') return draft.enable_dynamic_vmrs === true;
  return true;
}

/** The toggle that hides the rest of a group while off, if the group has one. */
export function groupToggle(group: string): string | undefined {
  return group === 'personal' ? 'enable_personal_vmrs' : group === 'single_use' ? 'enable_dynamic_vmrs' : undefined;
}

/** hostOf is the host name of a URL, or "" when it is not one. */
export function hostOf(url: string): string {
  if (!url) return '';
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** sentence capitalises a backend message for display ("name is …" → "Name is …"). */
export function sentence(msg: string): string {
  const s = msg.trim();
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

/** warningsByField groups warnings by the field they are about. */
export function warningsByField(warnings: readonly Warning[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const w of warnings) (out[w.field] ??= []).push(w.message);
  return out;
}

/** rowsFor sizes a text area to its content, within bounds. */
export function rowsFor(text: string, min = 3, max = 14): number {
  const lines = text.split('\n').length;
  return Math.min(max, Math.max(min, lines + 1));
}

/** inputType is the <input type> for a single-line text field. */
export function inputType(f: FieldSpec): 'text' | 'email' | 'url' {
  if (f.format === 'email') return 'email';
  if (f.format === 'url' || f.format === 'https_url') return 'url';
  return 'text';
}

/** multiline tells text fields edited in a text area (templates, multi-line texts). */
export function multiline(f: FieldSpec): boolean {
  return f.kind === 'string' && (f.format === 'template' || f.format === 'multiline');
}
