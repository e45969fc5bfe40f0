// Stands in for src/wailsjs/runtime/runtime (see vite.config.ts). The window
// does not use the Wails runtime yet; these keep an import from failing.
export function LogInfo(message: string): void {
  console.info(message);
}
export function BrowserOpenURL(url: string): void {
  window.open(url, '_blank', 'noopener');
}
export function EventsOn(_name: string, _cb: (...data: unknown[]) => void): () => void {
  return () => {};
}
