import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The command as `npm run build` makes it and npm installs it (npm test builds before vitest runs). */
export const cliPath = resolve(import.meta.dirname, '..', '..', 'dist', 'kms-emulator.cjs');

export interface CliRun {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** The exit code once the process ends. */
  exited: Promise<number | null>;
  /** The HTTP URL the emulator logs once it listens; rejects with the output if it exits first. */
  listening(): Promise<string>;
  /** Stops the process and waits for it to end. */
  stop(): Promise<void>;
}

/** Runs `kms-emulator <args>` as a real process, with `env` added to this process's environment. */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    output: () => output,
    exited,
    listening: () =>
      new Promise<string>((r, reject) => {
        const timer = setInterval(() => {
          const m = /"url":"([^"]+)"/.exec(output);
          if (m?.[1]) {
            clearInterval(timer);
            r(m[1]);
          }
        }, 20);
        child.on('exit', () => {
          clearInterval(timer);
          reject(new Error(output));
        });
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}
