import { lazyModule } from '../lazy.js';
import { KmsError } from './errors.js';

// Loaded on the first compressed body (~5 ms of start-up otherwise): most clients send none.
const zlib = lazyModule<typeof import('node:zlib')>('node:zlib');

/**
 * Request bodies as the gateway reads them: Content-Encoding decoded (gzip, deflate, br, identity,
 * in the order applied, e.g. `gzip, gzip`) within a size limit; JSON bounded in depth. Pure
 * functions over headers and buffers, so any HTTP front end can call them.
 */

/** Bytes in a size such as `1mb`, `512kb` or `1048576`. */
export function parseByteSize(size: string | number): number {
  if (typeof size === 'number') return size;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(size);
  if (!match) throw new Error(`Not a size: ${size}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(match[1]) * unit);
}

export function decodeBody(contentEncoding: string | undefined, raw: Buffer, limit: number): Buffer {
  if (!contentEncoding || raw.length === 0) return raw;
  const codings = contentEncoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean);
  if (codings.length > 4) throw unsupported(contentEncoding);
  let body = raw;
  // Codings are listed in the order they were applied: undo them last first.
  for (const coding of codings.reverse()) {
    body = decodeOne(coding, body, limit, contentEncoding);
  }
  return body;
}

function decodeOne(coding: string, body: Buffer, limit: number, header: string): Buffer {
  const options = { maxOutputLength: limit };
  try {
    switch (coding) {
      case 'identity':
        return body;
      case 'gzip':
      case 'x-gzip':
        return zlib().gunzipSync(body, options);
      case 'deflate':
        // Either zlib-wrapped (as the RFC says) or raw deflate (as some clients send).
        try {
          return zlib().inflateSync(body, options);
        } catch (error) {
          if (tooLarge(error)) throw error;
          return zlib().inflateRawSync(body, options);
        }
      case 'br':
        return zlib().brotliDecompressSync(body, options);
      default:
        throw unsupported(header);
    }
  } catch (error) {
    if (error instanceof KmsError) throw error;
    if (tooLarge(error)) {
      throw new KmsError('RequestEntityTooLarge', 'The decoded request body is larger than the limit.');
    }
    throw new KmsError(
      'InvalidParameter',
      `The request body is not valid ${coding} data (Content-Encoding: ${header}).`,
    );
  }
}

function tooLarge(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
}

function unsupported(header: string): KmsError {
  return new KmsError('UnsupportedMediaType', `The Content-Encoding "${header}" is not supported.`, {
    status: 415,
  });
}

/** Deepest nesting accepted in caller-written JSON. */
export const MAX_JSON_DEPTH = 32;

/**
 * JSON.parse, but refusing nesting deeper than `maxDepth` before parsing (so no later recursion over
 * the value can overflow the stack). Throws SyntaxError for bad JSON, RangeError for too deep.
 */
export function parseBoundedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new RangeError(`JSON nested deeper than ${maxDepth} levels.`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return JSON.parse(text);
}

/**
 * A control-plane JSON body: `application/json` in UTF-8 (no other charset), depth-bounded.
 * Returns undefined for an empty body.
 */
export function parseJsonBody(contentType: string | undefined, body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const { type, charset } = mediaType(contentType);
  if (type !== 'application/json') {
    throw new KmsError('UnsupportedMediaType', 'The request body must be Content-Type: application/json.', {
      status: 415,
    });
  }
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new KmsError('UnsupportedMediaType', `The charset "${charset}" is not supported: use utf-8.`, {
      status: 415,
    });
  }
  try {
    return parseBoundedJson(body.toString('utf8'));
  } catch (error) {
    throw new KmsError(
      'InvalidParameter',
      error instanceof RangeError
        ? `The request body is ${error.message}`
        : 'The request body is not valid JSON.',
    );
  }
}

/** `type/subtype` and charset of a Content-Type header, lower-cased. */
export function mediaType(contentType: string | undefined): { type: string; charset?: string } {
  const [type = '', ...params] = (contentType ?? '').split(';');
  let charset: string | undefined;
  for (const param of params) {
    const [name, value] = param.split('=');
    if (name?.trim().toLowerCase() === 'charset') {
      charset = value
        ?.trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
    }
  }
  return { type: type.trim().toLowerCase(), charset };
}
