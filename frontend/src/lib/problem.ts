import type { BatchProblem, Problem, ProblemCode } from './types';

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

function batchProblems(v: unknown): BatchProblem[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: BatchProblem[] = [];
  for (const p of v) {
    if (!isRecord(p)) continue;
    const bp: BatchProblem = { index: typeof p.index === 'number' ? p.index : Number(p.index) || 0 };
    if (typeof p.name === 'string' && p.name) bp.name = p.name;
    const fields = stringMap(p.fields);
    if (fields) bp.fields = fields;
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
  const fields = stringMap(r.fields);
  if (fields) p.fields = fields;
  const problems = batchProblems(r.problems);
  if (problems) p.problems = problems;
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
