// Stands in for src/wailsjs/runtime/runtime (see vite.config.ts): logging,
// opening links, and events, which go through the fake backend so tests
// can emit them (fake.emit) and see who listens (fake.listenerCount).
import { fake } from './instance';

export function LogInfo(message: string): void {
  console.info(message);
}
export function BrowserOpenURL(url: string): void {
  window.open(url, '_blank', 'noopener');
}
export function EventsOn(name: string, callback: (...data: unknown[]) => void): () => void {
  return fake.on(name, callback);
}
export function EventsOff(name: string, ...additional: string[]): void {
  for (const n of [name, ...additional]) fake.off(n);
}
export function EventsEmit(name: string, ...data: unknown[]): void {
  fake.emit(name, ...data);
}
export function ClipboardSetText(text: string): Promise<boolean> {
  fake.clipboard = text;
  // In the preview, the browser's clipboard too (best effort).
  if (typeof navigator !== 'undefined') void navigator.clipboard?.writeText(text).catch(() => {});
  return Promise.resolve(true);
}
