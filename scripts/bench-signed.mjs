#!/usr/bin/env node
// Signed throughput over a long run (#12 §1: the nonce store must cost O(1) per request).
// Sends N V1-signed requests (each with a fresh nonce) to an in-process emulator and prints req/s
// for the first and the last 5,000.
//   node scripts/bench-signed.mjs [--requests 100000] [--concurrency 8]
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '100000' }, concurrency: { type: 'string', default: '8' } },
});
const TOTAL = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const WINDOW = 5000;

const { Emulator } = await import('../dist/emulator.js');
const { signedQuery } = await import('../dist/testkit/rpc-client.js');
const emulator = await Emulator.create({ port: 0, state: ':memory:', logLevel: 'silent', env: {} });
await emulator.listen();
const { port } = new URL(emulator.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function get(path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });
}

const done = [];
let issued = 0;
let failed = 0;
const started = performance.now();
async function worker() {
  while (issued < TOTAL) {
    issued += 1;
    const status = await get(`/?${signedQuery('DescribeRegions')}`);
    if (status !== 200) failed += 1;
    done.push(performance.now());
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const rate = (from, to) =>
  Math.round((to - from) / ((done[to - 1] - (from === 0 ? started : done[from - 1])) / 1000));
const first = rate(0, WINDOW);
const last = rate(done.length - WINDOW, done.length);
console.log(
  JSON.stringify({
    requests: done.length,
    failed,
    concurrency: CONCURRENCY,
    firstReqPerSec: first,
    lastReqPerSec: last,
    lastOverFirst: Math.round((last / first) * 100) / 100,
    noncesHeld: emulator.authenticator.rememberedNonces,
  }),
);
agent.destroy();
await emulator.close();
