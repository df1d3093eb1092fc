#!/usr/bin/env node
// The emulator's own CPU per signed call, without HTTP or a second process: the listener is called
// with in-memory requests, 16 at a time, and process.cpuUsage() is read around each round. Prints
// the best of 3 rounds per operation (µs of CPU per call). Compare with the bench's "server CPU per
// answered request" to see how much is Node's HTTP stack and the kernel.
// Usage: npm run build && node scripts/bench-inprocess.mjs [calls per round, default 20000] [--no-observers]
import { Readable } from 'node:stream';
import { v1SignedQuery } from './v1-sign.mjs';

const { Emulator } = await import('../dist/emulator.js');
const { createListener } = await import('../dist/server.js');
const { DEFAULT_ACCESS_KEY_ID: AK, DEFAULT_ACCESS_KEY_SECRET: SK } = await import(
  '../dist/protocol/credentials.js'
);

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 20_000);
const emulator = await Emulator.create({ port: 0, state: ':memory:', logLevel: 'warn' });
// Without the audit journal and fault injector: what they cost.
if (args.includes('--no-observers')) emulator.observers.list.length = 0;
const listener = createListener(emulator, () => emulator.app);

const signedUrl = (action, extra) => `/?${v1SignedQuery(AK, SK, action, extra)}`;
function call(url) {
  return new Promise((resolve) => {
    const req = Readable.from([]);
    Object.assign(req, { url, method: 'GET', headers: { host: '127.0.0.1:8080' }, socket: {} });
    const res = {
      writeHead(status) {
        this.status = status;
      },
      end(body) {
        resolve({ status: this.status, body });
      },
    };
    listener(req, res);
  });
}

const keyId = JSON.parse((await call(signedUrl('CreateKey'))).body).KeyMetadata.KeyId;
const plaintext = Buffer.alloc(32, 7).toString('base64');
const blob = JSON.parse(
  (await call(signedUrl('Encrypt', { KeyId: keyId, Plaintext: plaintext }))).body,
).CiphertextBlob;
await call(signedUrl('CreateSecret', { SecretName: 'bench', SecretData: 'x'.repeat(64), VersionId: 'v1' }));
const ops = {
  Decrypt: () => signedUrl('Decrypt', { CiphertextBlob: blob }),
  Encrypt: () => signedUrl('Encrypt', { KeyId: keyId, Plaintext: plaintext }),
  GetSecretValue: () => signedUrl('GetSecretValue', { SecretName: 'bench' }),
};
console.log(`in-process signed calls, ${N} per round, node ${process.version}`);
for (const [op, make] of Object.entries(ops)) {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 4; round++) {
    const urls = Array.from({ length: N }, make);
    const before = process.cpuUsage();
    let failed = 0;
    for (let i = 0; i < N; i += 16) {
      // Let timers and I/O run now and then, as a server's event loop does.
      if (i % 256 === 0) await new Promise(setImmediate);
      for (const r of await Promise.all(urls.slice(i, i + 16).map(call))) if (r.status !== 200) failed++;
    }
    const used = process.cpuUsage(before);
    if (failed) throw new Error(`${op}: ${failed} calls failed`);
    if (round > 0) best = Math.min(best, (used.user + used.system) / N);
  }
  console.log(`${op}: ${best.toFixed(1)} µs CPU per call (best of 3 rounds after one warm-up)`);
}
process.exit(0);
