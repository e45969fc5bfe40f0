// Vite empties dist/ before a build; Go embeds frontend/dist and needs the
// tracked placeholder to exist even before the first build, so put it back.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
mkdirSync(dist, { recursive: true });
const keep = new URL('.gitkeep', new URL('../dist/', import.meta.url));
if (!existsSync(keep)) writeFileSync(keep, '');
if (!existsSync(new URL('index.html', new URL('../dist/', import.meta.url)))) {
  console.error('keep-dist: dist/index.html is missing after the build');
  process.exit(1);
}
