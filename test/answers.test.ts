import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Emulator } from '../src/index.js';
import { AnswerBatch, type AnswerTarget } from '../src/protocol/answers.js';
import type { Rendered } from '../src/protocol/envelope.js';
import { answers } from '../src/server.js';
import { v1Query } from './helpers/rpc.js';

/**
 * Answers are written in batches after the event loop has read what arrived together (#16: a
 * write that wakes a sleeping loopback client cost a quarter of the server's CPU). Each answer
 * must still be complete, in order and written once; one that fails must not take the rest along.
 */

function target(log: string[], name: string, fail = false): AnswerTarget {
  return {
    writeHead: ((status: number, headers: Record<string, string>) => {
      if (fail) throw new Error('socket gone');
      log.push(`${name} head ${status} ${headers['Content-Type']} ${headers['x-acs-request-id'] ?? ''}`);
    }) as unknown as AnswerTarget['writeHead'],
    write: ((piece: Buffer) => {
      log.push(`${name} write ${piece.length}`);
      return true;
    }) as unknown as AnswerTarget['write'],
    end: ((body: string) => {
      log.push(`${name} end ${String(body)}`);
    }) as unknown as AnswerTarget['end'],
    destroy: (() => {
      log.push(`${name} destroyed`);
    }) as unknown as AnswerTarget['destroy'],
  };
}

const answer = (body: string): Rendered => ({
  status: 200,
  contentType: 'application/json;charset=utf-8',
  body,
  headers: { 'x-acs-request-id': body },
});

/** A batch whose flush runs when the test says (`scheduled`), and a log its targets write to. */
function manualBatch() {
  const scheduled: Array<() => void> = [];
  return { batch: new AnswerBatch((flush) => scheduled.push(flush)), scheduled, log: [] as string[] };
}

describe('AnswerBatch', () => {
  it('writes nothing until the flush, then every answer once, in the order they were sent', () => {
    const { batch, scheduled, log } = manualBatch();
    batch.send(target(log, 'a'), answer('1'));
    batch.send(target(log, 'b'), answer('2'));
    batch.send(target(log, 'c'), answer('3'));
    expect(log).toEqual([]);
    expect(scheduled).toHaveLength(1);
    scheduled[0]?.();
    expect(log).toEqual([
      'a head 200 application/json;charset=utf-8 1',
      'a end 1',
      'b head 200 application/json;charset=utf-8 2',
      'b end 2',
      'c head 200 application/json;charset=utf-8 3',
      'c end 3',
    ]);
    expect(batch.batches).toBe(1);
    // The next answer starts a new batch.
    batch.send(target(log, 'd'), answer('4'));
    expect(scheduled).toHaveLength(2);
  });

  it('an answer that cannot be written closes its connection and the others are still written', () => {
    const { batch, scheduled, log } = manualBatch();
    batch.send(target(log, 'a'), answer('1'));
    batch.send(target(log, 'b', true), answer('2'));
    batch.send(target(log, 'c'), answer('3'));
    scheduled[0]?.();
    expect(log).toEqual([
      'a head 200 application/json;charset=utf-8 1',
      'a end 1',
      'b destroyed',
      'c head 200 application/json;charset=utf-8 3',
      'c end 3',
    ]);
  });
});

describe('batched answers over HTTP', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await (await Emulator.create({ port: 0, logLevel: 'silent' })).listen();
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('pipelined requests that arrive in one segment share one batch and are answered whole, in order', async () => {
    const { port } = new URL(emulator.url);
    const queries = [
      v1Query('DescribeRegions'),
      v1Query('ListKeys', { PageSize: '1' }),
      v1Query('NoSuchAction'),
      v1Query('DescribeRegions'),
    ];
    const wire = queries.map((q) => `GET /?${q} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join('');
    const before = answers.batches;
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(wire));
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '200', '404', '200']);
    const parts = text.split(/(?=HTTP\/1\.1 \d{3} )/);
    expect(parts[0]).toContain('"Regions"');
    expect(parts[1]).toContain('"Keys"');
    expect(parts[2]).toContain('InvalidAction.NotFound');
    expect(parts[3]).toContain('"Regions"');
    // Each with its exact length (no chunked framing).
    for (const part of parts) {
      const [head, body] = part.split('\r\n\r\n') as [string, string];
      expect(Number(/Content-Length: (\d+)/.exec(head)?.[1])).toBe(Buffer.byteLength(body));
    }
    // Node answers pipelined requests in order; all four were read together and written in one batch.
    expect(answers.batches - before).toBe(1);
  });
});
