import type { Hash, Hmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * Long text goes to native code (hashing, percent-encoding, socket writes) in pieces, so no single
 * native buffer of a request's or an answer's size is allocated.
 *
 * Why: each of those calls copies a string into a temporary malloc'd buffer of up to three bytes a
 * character. glibc serves a block of 128 KiB or more with mmap, and when such a block is freed it
 * raises its mmap threshold to that size for the life of the process (up to 32 MiB), and the trim
 * threshold to twice that. One 3 MB audit page, or one HMAC over a 400 KB string to sign, was
 * enough: from then on every block below 3 MB came from the heap and the freed heap was kept, which
 * was most of the RSS a long fuzz run left behind (#12: RSS within 1.5x of the start). A piece of
 * PIECE_CHARS characters needs at most 48 KiB.
 */
export const PIECE_CHARS = 16 * 1024;

/** Where a piece starting at `start` ends: at most `size` code units, never inside a surrogate pair. */
export function pieceEnd(text: string, start: number, size: number = PIECE_CHARS): number {
  let end = start + size;
  if (end >= text.length) return text.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return end;
}

/** hash.update(text) (UTF-8), in pieces when the text is long: the same digest. */
export function updateText<T extends Hash | Hmac>(hash: T, text: string): T {
  if (text.length <= PIECE_CHARS) return hash.update(text) as T;
  for (let start = 0; start < text.length; ) {
    const end = pieceEnd(text, start);
    hash.update(text.slice(start, end));
    start = end;
  }
  return hash;
}

/**
 * encodeURIComponent(text), in pieces when the text is long: the same result, and the same URIError
 * for a lone surrogate (a pair is never split, so a piece holds a lone surrogate only if the text
 * does). V8 builds each result in a growing native buffer of up to nine bytes a character.
 */
export function encodeUriComponent(text: string): string {
  if (text.length <= ENCODE_PIECE) return encodeURIComponent(text);
  let out = '';
  for (let start = 0; start < text.length; ) {
    const end = pieceEnd(text, start, ENCODE_PIECE);
    out += encodeURIComponent(text.slice(start, end));
    start = end;
  }
  return out;
}
const ENCODE_PIECE = 4 * 1024;

/**
 * Ends `res` with `text` (UTF-8) as its body (the caller has set Content-Length). Short text goes as
 * one write; long text as Buffers of one piece each (a Buffer is handed to the socket as it is, where
 * strings queued together are first copied into one native buffer).
 */
export function endWithText(res: Pick<ServerResponse, 'write' | 'end'>, text: string): void {
  if (text.length <= PIECE_CHARS) {
    res.end(text, 'utf8');
    return;
  }
  for (let start = 0; start < text.length; ) {
    const end = pieceEnd(text, start);
    res.write(Buffer.from(text.slice(start, end), 'utf8'));
    start = end;
  }
  res.end();
}

/** Answers a control call: `text` with its Content-Type and Content-Length, in pieces when long. */
export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', String(Buffer.byteLength(text, 'utf8')));
  endWithText(res, text);
}

/** Answers a control call with `value` as JSON (what Express's res.json sends, without its copy). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, 'application/json; charset=utf-8', JSON.stringify(value) ?? '');
}
