// Brief notifications ("Saved", "Exported to …") shown at the bottom of the
// window and read out by screen readers (see Toasts.svelte).
export type ToastKind = 'success' | 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

export const toasts: Toast[] = $state([]);

let next = 1;
const timers = new Map<number, ReturnType<typeof setTimeout>>();

export function toast(text: string, kind: ToastKind = 'success', ms = kind === 'error' ? 10000 : 4000): number {
  const id = next++;
  toasts.push({ id, kind, text });
  if (toasts.length > 4) dismiss(toasts[0]!.id);
  if (ms > 0) timers.set(id, setTimeout(() => dismiss(id), ms));
  return id;
}

export function dismiss(id: number): void {
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
  const timer = timers.get(id);
  if (timer) clearTimeout(timer);
  timers.delete(id);
}

export function clearToasts(): void {
  for (const t of [...toasts]) dismiss(t.id);
}
