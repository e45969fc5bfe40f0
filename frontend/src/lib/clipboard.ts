// Copying from the user pages: the webview's clipboard API where it works,
// else the Wails runtime's (api.copyText), which only takes plain text.
import { api } from './api';

/** copyPlain puts text on the clipboard. */
export async function copyPlain(text: string): Promise<void> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return;
    }
  } catch {
    // not allowed here (no user gesture, or no secure context): fall back
  }
  await api.copyText(text);
}

/**
 * copyRich puts HTML and its plain-text version on the clipboard, so that
 * an invitation keeps the formatting and a plain editor gets readable text.
 * It resolves with 'text' when only the plain text could be copied.
 */
export async function copyRich(html: string, text: string): Promise<'rich' | 'text'> {
  try {
    if (navigator.clipboard?.write && typeof ClipboardItem !== 'undefined') {
      await navigator.clipboard.write([
        new ClipboardItem({ 'text/html': new Blob([html], { type: 'text/html' }), 'text/plain': new Blob([text], { type: 'text/plain' }) }),
      ]);
      return 'rich';
    }
  } catch {
    // fall back to plain text
  }
  await copyPlain(text);
  return 'text';
}
