// The one i18n helper of the window (lib/i18n/index.ts) and the add-in
// (addin/i18n.ts): choosing a catalogue from BCP 47 tags, filling
// {placeholders}, falling back to English. Plain functions with no Svelte
// or catalogue imports, so the add-in's bundle takes only this.

export type Params = Readonly<Record<string, string | number>>;

/**
 * pickLocale chooses the first of tags ("de-DE", "de_AT", "en") whose
 * language has a catalogue, else fallback.
 */
export function pickLocale<L extends string>(
  tags: string | readonly (string | null | undefined)[] | null | undefined,
  available: readonly L[],
  fallback: L,
): L {
  const list = typeof tags === 'string' ? [tags] : (tags ?? []);
  for (const tag of list) {
    const base = (tag ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
    const hit = available.find((l) => l === base);
    if (hit) return hit;
  }
  return fallback;
}

/** fill puts params into text's {placeholders}; unknown ones stay as written. */
export function fill(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/** placeholders lists the {names} a text fills. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
}

/**
 * translate returns key's text in messages, else in fallback (English),
 * else the key itself, with params filled.
 */
export function translate<K extends string>(
  messages: Partial<Record<K, string>>,
  fallback: Partial<Record<K, string>>,
  key: K,
  params?: Params,
): string {
  return fill(messages[key] ?? fallback[key] ?? key, params);
}
