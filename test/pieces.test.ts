import { createHash, createHmac } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  encodeUriComponent,
  endWithText,
  PIECE_CHARS,
  pieceEnd,
  sendJson,
  updateText,
} from '../src/protocol/pieces.js';
import { sha256Hex, v1Signature } from '../src/protocol/signature.js';

/**
 * Long text reaches native code in pieces (#12 §4: a single multi-megabyte native buffer raised
 * glibc's mmap threshold for good and the freed heap stayed in RSS). Each helper must give exactly
 * what the one-call form gives, and must really cut the text.
 */

// Text whose pieces would end inside a surrogate pair at every boundary, plus lone surrogates.
const pairAtEveryBoundary = (n: number) => {
  let text = 'a'.repeat(PIECE_CHARS - 1);
  while (text.length < n) text += `😀${'é'.repeat(PIECE_CHARS - 2)}`;
  return text;
};

describe('pieces', () => {
  it('never ends a piece inside a surrogate pair', () => {
    const text = pairAtEveryBoundary(5 * PIECE_CHARS);
    for (let start = 0; start < text.length; ) {
      const end = pieceEnd(text, start);
      expect(end - start).toBeLessThanOrEqual(PIECE_CHARS);
      expect(end).toBeGreaterThan(start);
      const last = text.charCodeAt(end - 1);
      if (end < text.length) expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
      start = end;
    }
  });

  it('hashes long text in pieces to the digest of the whole (pairs at the cuts, lone surrogates, Latin and CJK)', () => {
    const texts = [
      pairAtEveryBoundary(6 * PIECE_CHARS),
      `${'x'.repeat(3 * PIECE_CHARS)}\ud800tail\udc00${'漢'.repeat(PIECE_CHARS)}`,
      'short',
    ];
    for (const text of texts) {
      const pieces: number[] = [];
      const hash = createHash('sha256');
      const update = hash.update.bind(hash);
      hash.update = ((data: string) => {
        pieces.push(data.length);
        return update(data);
      }) as typeof hash.update;
      expect(updateText(hash, text).digest('hex')).toBe(createHash('sha256').update(text).digest('hex'));
      expect(Math.max(...pieces)).toBeLessThanOrEqual(PIECE_CHARS);
      if (text.length > PIECE_CHARS) expect(pieces.length).toBeGreaterThan(1);
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
      expect(v1Signature('secret', text)).toBe(createHmac('sha1', 'secret&').update(text).digest('base64'));
    }
  });

  it('percent-encodes long text in pieces exactly as encodeURIComponent, lone surrogates refused alike', () => {
    const text = `${pairAtEveryBoundary(3 * PIECE_CHARS)}&=+/?#[]%${'ü'.repeat(5000)}`;
    expect(encodeUriComponent(text)).toBe(encodeURIComponent(text));
    const lone = `${'a'.repeat(10_000)}\ud800${'b'.repeat(10_000)}`;
    expect(() => encodeURIComponent(lone)).toThrow(URIError);
    expect(() => encodeUriComponent(lone)).toThrow(URIError);
  });

  it('writes a long answer as Buffers of one piece each, and the client gets it whole with its length', async () => {
    const body = { events: Array.from({ length: 3000 }, (_, i) => ({ i, text: `é😀${'x'.repeat(40)}` })) };
    const writes: number[] = [];
    const server = createServer((_req, res) => {
      const write = res.write.bind(res);
      res.write = ((chunk: Buffer) => {
        writes.push(chunk.length);
        return write(chunk);
      }) as typeof res.write;
      sendJson(res, 201, body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; length: string | undefined; text: string }>(
      (resolve, reject) => {
        request({ port, host: '127.0.0.1', path: '/' }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              length: res.headers['content-length'],
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        })
          .on('error', reject)
          .end();
      },
    );
    server.close();
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.text)).toEqual(body);
    expect(Number(answer.length)).toBe(Buffer.byteLength(answer.text));
    expect(writes.length).toBeGreaterThan(5);
    expect(Math.max(...writes)).toBeLessThanOrEqual(3 * PIECE_CHARS);
  });

  it('ends a short answer in one write', () => {
    const calls: string[] = [];
    endWithText(
      {
        write: (() => calls.push('write')) as never,
        end: ((text: string) => calls.push(`end ${text}`)) as never,
      },
      '{"a":1}',
    );
    expect(calls).toEqual(['end {"a":1}']);
  });
});
