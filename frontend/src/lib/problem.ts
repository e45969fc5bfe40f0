import type { BatchProblem, FieldError, Problem, ProblemCode } from './types';
import { has, t } from './i18n';
import { placeholders } from './i18n/core';

const codes: readonly ProblemCode[] = [
  'invalid',
  'invalid_batch',
  'keychain_unavailable',
  'not_found',
  'template_syntax',
  'signed_out',
  'sign_in_again',
  'consent_refused',
  'sign_in_failed',
  'error',
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, m] of Object.entries(v)) {
    if (typeof m === 'string') out[k] = m;
    else if (m != null) out[k] = String(m);
  }
  return Object.keys(out).length ? out : undefined;
}

function fieldErrors(v: unknown): Record<string, FieldError> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, FieldError> = {};
  for (const [k, fe] of Object.entries(v)) {
    if (!isRecord(fe) || typeof fe.code !== 'string') continue;
    const e: FieldError = { code: fe.code, message: typeof fe.message === 'string' ? fe.message : '' };
    const params = stringMap(fe.params);
    if (params) e.params = params;
    out[k] = e;
  }
  return Object.keys(out).length ? out : undefined;
}

/** coded says a code's text in the window's language when the catalogue has it and every placeholder has a value. */
function coded(key: string, params: Record<string, string> | undefined): string | undefined {
  if (!has(key)) return undefined;
  if (!placeholders(t(key)).every((name) => params !== undefined && name in params)) return undefined;
  return t(key, params);
}

/** fieldErrorText is a field's problem in the window's language, or its English message for a code the window does not know. */
export function fieldErrorText(fe: FieldError): string {
  return coded(`fielderr.${fe.code}`, fe.params) ?? fe.message;
}

/**
 * fieldMessages gives each field's text to show: the translation of its
 * code where the backend sent one, else the message as it came.
 */
export function fieldMessages(fields: Record<string, string> | undefined, codes: Record<string, FieldError> | undefined): Record<string, string> {
  const out: Record<string, string> = { ...fields };
  for (const [k, fe] of Object.entries(codes ?? {})) out[k] = fieldErrorText(fe);
  return out;
}

function batchProblems(v: unknown): BatchProblem[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: BatchProblem[] = [];
  for (const p of v) {
    if (!isRecord(p)) continue;
    const bp: BatchProblem = { index: typeof p.index === 'number' ? p.index : Number(p.index) || 0 };
    if (typeof p.name === 'string' && p.name) bp.name = p.name;
    const fields = stringMap(p.fields);
    const withCodes = fieldErrors(p.field_errors);
    if (fields || withCodes) bp.fields = fieldMessages(fields, withCodes);
    if (withCodes) bp.field_errors = withCodes;
    if (typeof p.error === 'string' && p.error) bp.error = p.error;
    out.push(bp);
  }
  return out.length ? out : undefined;
}

function fromRecord(r: Record<string, unknown>): Problem | undefined {
  const message = typeof r.message === 'string' ? r.message : typeof r.error === 'string' ? r.error : undefined;
  const code = codes.includes(r.code as ProblemCode) ? (r.code as ProblemCode) : undefined;
  if (message === undefined && code === undefined) return undefined;
  const p: Problem = { code: code ?? 'error', message: message ?? '' };
  const params = stringMap(r.params);
  if (params) p.params = params;
  const fields = stringMap(r.fields);
  const withCodes = fieldErrors(r.field_errors);
  if (fields || withCodes) p.fields = fieldMessages(fields, withCodes);
  if (withCodes) p.field_errors = withCodes;
  const problems = batchProblems(r.problems);
  if (problems) p.problems = problems;
  // The kinds the window can say in its own words (problem.<code>).
  const own = coded(`problem.${p.code}`, params);
  if (own) p.message = own;
  if (!p.message) p.message = p.code === 'invalid' ? 'Some fields need attention.' : 'Something went wrong.';
  return p;
}

/**
 * toProblem turns whatever a bound method rejected with into a Problem: the
 * backend's Problem object, the same as a JSON string, a plain message
 * string, an Error, or anything else.
 */
export function toProblem(e: unknown): Problem {
  if (isRecord(e) && !(e instanceof Error)) {
    const p = fromRecord(e);
    if (p) return p;
  }
  if (typeof e === 'string') {
    const s = e.trim();
    if (s.startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(s);
        if (isRecord(parsed)) {
          const p = fromRecord(parsed);
          if (p) return p;
        }
      } catch {
        // not JSON: a plain message
      }
    }
    return { code: 'error', message: s || 'Something went wrong.' };
  }
  if (e instanceof Error) {
    return { code: 'error', message: e.message || e.name || 'Something went wrong.' };
  }
  if (e === undefined || e === null) return { code: 'error', message: 'Something went wrong.' };
  try {
    return { code: 'error', message: JSON.stringify(e) };
  } catch {
    return { code: 'error', message: String(e) };
  }
}

/** isProblem tells a Problem (as thrown by src/lib/api.ts) from other values. */
export function isProblem(v: unknown): v is Problem {
  return isRecord(v) && typeof v.message === 'string' && codes.includes(v.code as ProblemCode);
}
