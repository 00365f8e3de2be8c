// Small helpers shared by the benchmarks: query counting, formatting, machine description.

import fs from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';

let queries = 0;
let patched = false;

/** Counts every query sent through node-postgres (the app's PostgreSQL pool and its PGlite adapter alike). */
export function countQueries(): () => number {
  if (!patched) {
    patched = true;
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      queries++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
  }
  return () => queries;
}

export const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
export const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
export const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : 'n/a');

/** The median of the rounds' ratios (the lower middle one of an even count), and every round's, as percentages. */
export function medianRatio(ratios: readonly number[]): { median: string; rounds: string } {
  const sorted = [...ratios].sort((x, y) => x - y);
  return { median: pct(sorted[Math.floor((sorted.length - 1) / 2)]!, 1), rounds: ratios.map((r) => pct(r, 1)).join(', ') };
}

/** One line describing the machine and Node, printed at the top of every benchmark. */
export function machineLine(): string {
  const cpus = os.cpus();
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}; load average before the run: ${load}`;
}

/** The database server's version string (PostgreSQL or PGlite). */
export async function serverVersion(db: Kysely<any>): Promise<string> {
  const r = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);
  return r.rows[0]?.v ?? '?';
}

/** Forces a checkpoint (PostgreSQL), so the measured run does not pay for the previous one's dirty pages. */
export async function checkpoint(db: Kysely<any>): Promise<void> {
  await sql`checkpoint`.execute(db).catch(() => undefined);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Seconds of a measured run, from BENCH_SECONDS (default 10). */
export function benchSeconds(fallback = 10): number {
  const v = Number(process.env.BENCH_SECONDS);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export interface CpuSnapshot {
  /** CPU seconds of this process. */
  self: number;
  /** CPU seconds of each local process named "postgres", by pid (Linux /proc; empty elsewhere). */
  postgres: Map<number, number>;
}

/** CPU used so far by this process and by every local PostgreSQL process. */
export function cpuSnapshot(): CpuSnapshot {
  const u = process.cpuUsage();
  const postgres = new Map<number, number>();
  try {
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
        const f = stat.slice(close + 2).split(' ');
        postgres.set(Number(pid), (Number(f[11]) + Number(f[12])) / 100); // utime + stime, in clock ticks of 1/100 s
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return { self: (u.user + u.system) / 1e6, postgres };
}

/**
 * The PostgreSQL processes that work for this benchmark: the backends connected to its database and the
 * server's own processes (WAL writer, checkpointer, ...), not the backends of other databases, which
 * other programs on the machine may be keeping busy.
 */
export async function benchPostgresPids(db: Kysely<any>): Promise<Set<number>> {
  const r = await sql<{
    pid: number;
  }>`select pid from pg_stat_activity where datname = current_database() or backend_type <> 'client backend'`.execute(db);
  return new Set(r.rows.map((x) => Number(x.pid)));
}

/** CPU seconds between two snapshots: this process, and the given PostgreSQL processes (all when none given). */
export function cpuBetween(c0: CpuSnapshot, c1: CpuSnapshot, pids?: Set<number>): { self: number; postgres: number } {
  let postgres = 0;
  for (const [pid, t] of c1.postgres) if (!pids || pids.has(pid)) postgres += t - (c0.postgres.get(pid) ?? 0);
  return { self: c1.self - c0.self, postgres };
}
