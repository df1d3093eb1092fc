import { createRequire } from 'node:module';
import type { Logger as PinoLogger } from 'pino';

/** What the emulator calls on its logger (a pino logger passed in options fits). */
export type Logger = Pick<PinoLogger, 'debug' | 'info' | 'warn' | 'error' | 'isLevelEnabled'>;

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/**
 * One logger for the process. Log lines never carry secret values, plaintexts or key material.
 * pino is loaded when the first line at or above `level` is written: a quiet run (`--log-level warn`)
 * does not pay for loading it at start-up. An unknown level loads it at once (pino refuses it).
 */
export function createLogger(level: string): Logger {
  let real: PinoLogger | undefined;
  const load = (): PinoLogger => {
    if (real === undefined) {
      const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
      real = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
    }
    return real;
  };
  const threshold = level === 'silent' ? Number.POSITIVE_INFINITY : LEVELS[level];
  if (threshold === undefined) return load();
  const noop = () => {};
  const at = (name: 'debug' | 'info' | 'warn' | 'error') =>
    (threshold <= (LEVELS[name] as number)
      ? (...args: unknown[]) => (load()[name] as (...a: unknown[]) => void)(...args)
      : noop) as PinoLogger['info'];
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: (name: string) => (LEVELS[name] ?? Number.POSITIVE_INFINITY) >= threshold,
  };
}
