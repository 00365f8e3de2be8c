// The app alone in a child process (forked by export.bench.ts), so that its memory is the server's and nothing else's:
// opens the benchmark's database (PostgreSQL by URL, or the PGlite directory the parent closed), serves the real app
// on 127.0.0.1:0 and answers the parent's questions about its resident memory.
//
// Messages: parent → { kind: 'reset' } clears the peak (Linux: /proc/self/clear_refs, and the sampled peak);
// parent → { kind: 'peak' } → { kind: 'peak', rss, peak, hwm }; parent → { kind: 'stop' }.

import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import { AuditKey } from '../../src/platform/audit-chain.model.js';
import { LocalBlobStore } from '../../src/platform/blob-store.js';
import { loadConfig } from '../../src/platform/config.js';
import { openDatabase } from '../../src/platform/database.js';
import { createServices } from '../../src/services.js';

const url = process.env.BENCH_SERVER_DATABASE_URL;
const dataDir = process.env.BENCH_SERVER_DATA_DIR!;
const database = url ? await openDatabase({ databaseUrl: url, poolSize: 10 }) : await openDatabase({ dataDir });
const config = loadConfig({}, { logLevel: 'silent', dataDir });
const services = createServices({
  db: database.db,
  blobs: new LocalBlobStore(`${dataDir}/blobs`),
  clock: () => new Date(),
  auditKey: AuditKey.generate(),
  sessionTtlMinutes: config.sessionTtlMinutes,
  maxUploadBytes: config.maxUploadBytes,
  feed: database.feed,
});
const app = await buildApp({ config, database, services, logger: false });
await app.listen({ host: '127.0.0.1', port: 0 });

/** Peak resident memory since the last reset, in bytes, as the kernel counts it (VmHWM); null off Linux. */
function highWaterMark(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

// Sampled too, every 10 ms (the event loop permitting), as a check on the kernel's figure.
let peak = process.memoryUsage().rss;
setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10).unref();

process.on('message', (m: { kind: string }) => {
  if (m.kind === 'reset') {
    try {
      fs.writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
    } catch {
      // not Linux, or not allowed: the sampled peak remains
    }
    peak = process.memoryUsage().rss;
    process.send!({ kind: 'reset' });
  } else if (m.kind === 'peak') {
    const rss = process.memoryUsage().rss;
    process.send!({ kind: 'peak', rss, peak: Math.max(peak, rss), hwm: highWaterMark() });
  } else if (m.kind === 'stop') {
    void app
      .close()
      .then(() => database.close())
      .then(() => process.exit(0));
  }
});
process.send!({ kind: 'ready', url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` });
