// How the window shows a value of the sync's diff: the engine sends each
// field as display text, JSON-encoded (a string in quotes, with < > &
// escaped as \u003c…); a JSON string is shown as the text it holds, and
// anything else (numbers, lists, null) as it came.
export function syncValue(v: string): string {
  try {
    const parsed: unknown = JSON.parse(v);
    if (typeof parsed === 'string') return parsed;
  } catch {
    // not JSON: already display text
  }
  return v;
}
