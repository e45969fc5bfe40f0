// Helpers for component tests.

const focusableSelector = [
  'a[href]',
  'button',
  'input:not([type="hidden"])',
  'select',
  'textarea',
  '[tabindex]',
  '[contenteditable="true"]',
].join(',');

/**
 * tabSequence lists the elements the Tab key visits, in order: focusable,
 * not disabled, not tabindex="-1", not inside a closed dialog or hidden
 * element. The window uses no positive tabindex, so this is DOM order.
 */
export function tabSequence(root: ParentNode = document): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(focusableSelector)].filter((el) => {
    if ((el as HTMLButtonElement).disabled) return false;
    const tabindex = el.getAttribute('tabindex');
    if (tabindex !== null && Number(tabindex) < 0) return false;
    if (el.closest('[hidden], [inert], dialog:not([open])')) return false;
    return true;
  });
}

/** A short, readable name for an element: its id, or tag + label. */
export function describe(el: Element | null): string {
  if (!el) return 'nothing';
  if (el.id) return `#${el.id}`;
  const label = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? '';
  return `${el.tagName.toLowerCase()}(${label})`;
}

/**
 * unlabelled lists the focusable controls with no accessible name: no
 * aria-label or aria-labelledby, no <label for>, not inside a <label>, and
 * (buttons and links) no text.
 */
export function unlabelled(root: ParentNode = document): string[] {
  return tabSequence(root)
    .filter((el) => {
      const named =
        el.getAttribute('aria-label') ||
        el.getAttribute('aria-labelledby') ||
        el.getAttribute('title') ||
        (el.id && document.querySelector(`label[for="${el.id}"]`)) ||
        el.closest('label') ||
        (el.tagName === 'BUTTON' || el.tagName === 'A' ? el.textContent?.trim() : '');
      return !named;
    })
    .map(describe);
}
