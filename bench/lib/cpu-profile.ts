// CPU profile of this process over one piece of work only (not start-up, seeding or log-ins), through the
// inspector: the profiling helpers wrap their measured load with it when BENCH_PROFILE names a file.

import fs from 'node:fs';
import { Session } from 'node:inspector/promises';

/** Runs `work`; when `file` is given, writes the CPU profile of this process during it there (open it in Chrome DevTools). */
export async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`CPU profile of the server process during the load: ${file}`);
  }
}
