// Runs autocannon in a child process (its own event loop and, on 2 cores, its own core when the OS allows).

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type Scenario =
  | { kind: 'get'; path: string }
  /** Look-ups of dossiers by code, each with its query (`token=…`, the QR code's; or `phone=…`, the fallback). */
  | { kind: 'tracking'; targets: { code: string; query: string }[] }
  | { kind: 'intake'; tokens: string[]; files: { tk: string; gcs: string }; firstIndex: number; withEmail?: boolean };

export interface LoadJob {
  url: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  scenario: Scenario;
}

export interface LoadResult {
  seconds: number;
  responses: number;
  perSecond: number;
  /** Responses per HTTP status code. */
  status: Record<string, number>;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Responses during the warm-up before the measured run (not in the other figures). */
  warmupResponses: number;
  /** CPU time the load generator itself used during the measured run. */
  cpuSeconds: number;
  /** Exact percentiles of every response time of the measured run, in milliseconds. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

/** Forks the load worker (with this process's tsx loader), hands it the job and waits for its figures. */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.once('message', (m: { ok: boolean; result?: LoadResult; error?: string }) => {
      settled = true;
      if (m.ok && m.result) resolve(m.result);
      else reject(new Error(`load worker failed: ${m.error}`));
    });
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker exited with code ${code} before reporting`));
    });
    child.send(job);
  });
}
