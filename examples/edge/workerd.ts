/**
 * Starts workerd on 127.0.0.1 on a free port and stops it. The port is chosen by the kernel
 * (`--socket-addr http=127.0.0.1:0`) and read from workerd's control pipe, which reports it once
 * the socket listens: no port probing, no race, and "ready" means ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { workerd } from './build.js';

/** A running workerd. */
export interface RunningWorkerd {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  /** The process id (for logs). */
  pid: number;
  /** What workerd wrote to stdout and stderr so far. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL after 3 s); resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startWorkerd}. */
export interface StartOptions {
  /** Give up (and kill workerd) when it has not listened after this long; default 20 s. */
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();
// Last resort: never leave a server behind when the process exits without stopping it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Serves `configPath` (its socket named "http") on 127.0.0.1 and a free port. */
export async function startWorkerd(configPath: string, options: StartOptions = {}): Promise<RunningWorkerd> {
  const { timeoutMs = 20_000 } = options;
  const child = spawn(workerd.default, ['serve', configPath, '--socket-addr', 'http=127.0.0.1:0', '--control-fd', '3'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => {
    running.delete(child);
    done();
  }));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };

  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error(`workerd did not listen within ${timeoutMs} ms`)), timeoutMs);
      let control = '';
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
        control += chunk;
        for (const line of control.split('\n').slice(0, -1)) {
          const message = JSON.parse(line) as { event?: string; socket?: string; port?: number };
          if (message.event === 'listen' && message.socket === 'http' && message.port) {
            clearTimeout(timer);
            resolvePort(message.port);
          }
        }
        control = control.slice(control.lastIndexOf('\n') + 1);
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`workerd exited (${signal ?? `code ${code}`}) before listening`));
      });
    });
    return { url: `http://127.0.0.1:${port}`, port, pid: child.pid!, output: () => output, stop };
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${output}`);
  }
}
