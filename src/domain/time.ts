import ms from 'ms';

/** ISO-8601 UTC without milliseconds, as the service writes timestamps: 2024-03-25T10:00:00Z. */
export function isoSeconds(epochMs: number): string {
  // Most calls in a burst name the same second (the audit's time, a record's date): keep the last few.
  const second = Math.floor(epochMs / 1000);
  const slot = second & 7;
  if (recentSeconds[slot] === second) return recentTexts[slot] as string;
  const text = `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
  recentSeconds[slot] = second;
  recentTexts[slot] = text;
  return text;
}
const recentSeconds = new Float64Array(8).fill(Number.NaN);
const recentTexts: string[] = new Array(8).fill('');

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * "48h", "7d", "90m", "30s", a sum such as "1h 30m" or "4h 3m 8s", or a number of seconds.
 * Returns milliseconds, or undefined when unreadable.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * SECOND;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * SECOND;
  const whole = ms(text as ms.StringValue);
  if (typeof whole === 'number' && Number.isFinite(whole)) return whole >= 0 ? whole : undefined;
  let total = 0;
  for (const part of text.split(/\s+/)) {
    if (!/^\d/.test(part)) return undefined;
    const parsed = ms(part as ms.StringValue);
    if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) return undefined;
    total += parsed;
  }
  return total;
}

/** The inverse of parseDuration: "8d", "1h 30m", "12s 345ms" read back to the same milliseconds. */
export function formatDuration(totalMs: number): string {
  let rest = Math.round(totalMs);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', SECOND],
    ['ms', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join(' ') || '0s';
}
