// Runs before `npm start`: builds the web app when web/dist is missing, so `npm install && npm start`
// serves the pages. Plain JavaScript on purpose: it runs before anything else, with nothing but Node.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const index = fileURLToPath(new URL('../dist/index.html', import.meta.url));
if (!existsSync(index)) {
  console.log('web/dist is missing: building the web app (npm run build)…');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'build'], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (r.status !== 0) {
    console.error('The web app did not build; the API still starts, and its pages answer 503 until `npm run build` succeeds.');
  }
}
