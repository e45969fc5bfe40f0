// What the user pages compute from the backend's data: join links per
// preference, meetings grouped by day, the next video meeting, reminders,
// and the personal instructions made safe to show and copy.
import type { JoinMethod, Meeting, VideoLink } from './types';

/** joinLink is how to join a video meeting the way the user prefers; a SIP URI when the web link is unknown. */
export function joinLink(video: VideoLink | null | undefined, method: JoinMethod): string {
  if (!video?.alias) return '';
  const sip = video.sip_uri || `sip:${video.alias}`;
  switch (method) {
    case 'web':
      return video.web_url || sip;
    case 'pexip':
      return `pexip://${video.alias}`;
    default:
      return sip;
  }
}

/** dayKey is the local calendar day of a time, YYYY-MM-DD. */
export function dayKey(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export interface Day {
  key: string;
  date: Date;
  meetings: Meeting[];
}

/**
 * byDay sorts meetings by start (then summary) and groups them by their
 * local start day. An all-day meeting that began before today is shown on
 * today, since it is still on.
 */
export function byDay(meetings: Meeting[], now: Date): Day[] {
  const today = dayKey(now);
  const sorted = [...meetings].sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.summary.localeCompare(b.summary));
  const days = new Map<string, Day>();
  for (const m of sorted) {
    const start = new Date(m.start);
    let key = dayKey(start);
    let date = start;
    if (key < today) {
      key = today;
      date = now;
    }
    let day = days.get(key);
    if (!day) {
      day = { key, date: new Date(date.getFullYear(), date.getMonth(), date.getDate()), meetings: [] };
      days.set(key, day);
    }
    day.meetings.push(m);
  }
  return [...days.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** nextVideo is the first video meeting that has not ended, and whether it is on now. */
export function nextVideo(meetings: Meeting[], now: number): { meeting: Meeting; running: boolean } | null {
  let best: Meeting | null = null;
  for (const m of meetings) {
    if (!m.video?.alias || m.all_day) continue;
    if (Date.parse(m.end) <= now) continue;
    if (!best || Date.parse(m.start) < Date.parse(best.start)) best = m;
  }
  return best ? { meeting: best, running: Date.parse(best.start) <= now } : null;
}

/** Parts of a countdown, largest first: days, hours, minutes (rounded up, so "1 min" until it starts). */
export function countdownParts(ms: number): { days: number; hours: number; minutes: number } {
  const total = Math.max(0, Math.ceil(ms / 60000));
  return { days: Math.floor(total / 1440), hours: Math.floor((total % 1440) / 60), minutes: total % 60 };
}

// setTimeout takes at most 2^31-1 ms (24.8 days); the window is 15 days.
const MAX_DELAY = 2 ** 31 - 1;

/**
 * scheduleReminders calls remind for each video meeting `minutes` before
 * it starts (at once for one that starts sooner than that), and returns
 * the function that cancels every timer. Each meeting is reminded once
 * per schedule: `seen` carries what was already reminded across calls.
 */
export function scheduleReminders(
  meetings: Meeting[],
  minutes: number,
  now: number,
  remind: (m: Meeting) => void,
  seen: Set<string> = new Set(),
): () => void {
  const timers: ReturnType<typeof setTimeout>[] = [];
  if (minutes > 0) {
    for (const m of meetings) {
      if (!m.video?.alias || m.all_day) continue;
      const start = Date.parse(m.start);
      if (start <= now) continue;
      const id = `${m.uid}|${m.recurrence_id ?? ''}|${m.start}`;
      if (seen.has(id)) continue;
      const delay = start - minutes * 60000 - now;
      if (delay > MAX_DELAY) continue;
      timers.push(
        setTimeout(
          () => {
            seen.add(id);
            remind(m);
          },
          Math.max(0, delay),
        ),
      );
    }
  }
  return () => {
    for (const t of timers) clearTimeout(t);
    timers.length = 0;
  };
}

// ---- the personal instructions: display and copy ----

const allowedTags = new Set([
  'a', 'b', 'strong', 'i', 'em', 'u', 's', 'p', 'br', 'div', 'span', 'ul', 'ol', 'li', 'table', 'thead', 'tbody',
  'tr', 'td', 'th', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'small', 'code', 'pre', 'blockquote',
]);
const droppedWithContent = new Set(['script', 'style', 'iframe', 'object', 'embed', 'template', 'noscript', 'svg', 'math', 'head', 'title']);
const safeHref = /^(https?:|mailto:|tel:|sip:|pexip:)/i;

/**
 * sanitizeHTML keeps the formatting of the admin's instructions template
 * (paragraphs, lists, tables, emphasis, links to web, mail, phone, SIP and
 * Pexip) and drops everything else: scripts, styles, event handlers,
 * images (they could track who opens them), and any other attribute.
 */
export function sanitizeHTML(html: string): string {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const clean = (node: Node, into: Node) => {
    for (const child of [...node.childNodes]) {
      if (child.nodeType === Node.TEXT_NODE) {
        into.appendChild(doc.createTextNode(child.textContent ?? ''));
        continue;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const el = child as Element;
      const tag = el.tagName.toLowerCase();
      if (droppedWithContent.has(tag)) continue;
      if (!allowedTags.has(tag)) {
        clean(el, into); // keep the text, lose the tag
        continue;
      }
      const out = doc.createElement(tag);
      if (tag === 'a') {
        const href = el.getAttribute('href')?.trim() ?? '';
        if (safeHref.test(href)) out.setAttribute('href', href);
      }
      const span = el.getAttribute('colspan');
      if ((tag === 'td' || tag === 'th') && span && /^\d{1,2}$/.test(span)) out.setAttribute('colspan', span);
      clean(el, out);
      into.appendChild(out);
    }
  };
  const body = doc.createElement('div');
  clean(doc.body, body);
  return body.innerHTML;
}

const blockTags = new Set(['p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'ul', 'ol', 'blockquote', 'pre', 'hr']);

/** htmlToText is the plain-text version of the instructions: a line per block, links with their address. */
export function htmlToText(html: string): string {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  let out = '';
  const walk = (node: Node) => {
    for (const child of [...node.childNodes]) {
      if (child.nodeType === Node.TEXT_NODE) {
        out += (child.textContent ?? '').replace(/\s+/g, ' ');
        continue;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const el = child as Element;
      const tag = el.tagName.toLowerCase();
      if (droppedWithContent.has(tag)) continue;
      if (tag === 'br') {
        out += '\n';
        continue;
      }
      if (tag === 'td' || tag === 'th') out += out.endsWith('\n') || out === '' ? '' : ' ';
      if (tag === 'li') out += (out.endsWith('\n') || out === '' ? '' : '\n') + '• ';
      walk(el);
      const href = tag === 'a' ? (el.getAttribute('href') ?? '') : '';
      if (href && safeHref.test(href) && !(el.textContent ?? '').includes(href.replace(/^(mailto:|tel:)/i, ''))) out += ` (${href})`;
      if (blockTags.has(tag) && !out.endsWith('\n')) out += '\n';
    }
  };
  walk(doc.body);
  return out
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
