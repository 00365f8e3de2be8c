import { isDatabaseUnavailable } from './database-errors.js';

/** The part of a pino logger a job reports to. */
export interface JobLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A background task repeated on a timer. */
export interface PeriodicJob {
  /** Runs no more; resolves when a run in progress has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `run` every `everyMs`, never two runs at once (a slow run delays the next instead of piling up). A failed run
 * is logged and the next one happens as planned: a database restart costs a run or two, never the timer.
 */
export function startPeriodic(opts: { name: string; everyMs: number; run: () => Promise<void>; log: JobLog }): PeriodicJob {
  let current: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (current || stopped) return;
    current = opts
      .run()
      .catch((e: unknown) => {
        // While the database is away every run fails the same way: a line each, without the stack.
        if (isDatabaseUnavailable(e)) opts.log.warn({ job: opts.name, reason: (e as Error).message }, 'job skipped: database unavailable');
        else opts.log.error({ job: opts.name, err: e }, 'job failed');
      })
      .finally(() => {
        current = null;
      });
  };
  const timer = setInterval(tick, opts.everyMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
