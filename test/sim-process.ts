import { spawn, type ChildProcess } from 'node:child_process';

/**
 * `motcua simulate <name> --port 0 …` as a process of its own, as `serve` and an operator start it: its address from
 * the line it prints ("… listening on http://…"). Kill the child when done.
 */
export async function startSimulatorProcess(name: string, args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'simulate', name, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`simulator ${name} exited with ${code}: ${err.trim()}`)));
  });
  return { url, child };
}
