import { pino } from 'pino';

export type Logger = pino.Logger;

/** One logger for the process. Log lines never carry secret values, plaintexts or key material. */
export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}
