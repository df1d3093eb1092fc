#!/usr/bin/env node
// Restart at scale, in detail: starts the built command on a copy of a kept state directory (from
// `node scripts/bench.mjs --only scale --keep`, which prints it) and prints the time to the first
// answered request, the first GetSecretValue and DescribeKey after it (sent at once, or --delay ms
// later), the first ListSecrets and ListKeys page of 100 and the p50 of 30 more of each; then, in
// this process, Store.open of the same file and the first ordered view of its two largest
// partitions (what a first list pays), with the CPU time each took, and the CPU of a list page of
// 100 with the listener fed in-memory requests. Figures, never a test.
// Usage: npm run build && node scripts/bench-restart.mjs STATE_DIR [--delay ms] [--secret NAME] [--key KEY_ID]
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { v1SignedQuery } from './v1-sign.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const source = args[0];
if (!source || source.startsWith('--')) {
  console.error(
    'usage: node scripts/bench-restart.mjs STATE_DIR [--delay ms] [--secret NAME] [--key KEY_ID]',
  );
  process.exit(2);
}
const ROOT = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kms-bench-restart-'));
cpSync(source, dir, { recursive: true });
const state = join(dir, 'state.json');

const port = await new Promise((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const call = (action, extra = {}) =>
  new Promise((resolve) => {
    const path = `/?${v1SignedQuery('LTAIEmulatorAccessKeyId', 'EmulatorAccessKeySecret', action, extra)}`;
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
const timed = async (action, extra) => {
  const started = performance.now();
  const res = await call(action, extra);
  return { ms: performance.now() - started, ...res };
};
const p50 = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

const started = performance.now();
const child = spawn(
  process.execPath,
  ['dist/cli.js', 'start', '--port', String(port), '--state', state, '--log-level', 'warn'],
  { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
);
for (;;) {
  if ((await call('DescribeRegions')).status === 200) break;
  if (performance.now() - started > 30_000) throw new Error('no answer after 30 s');
  await new Promise((r) => setTimeout(r, 2));
}
const restart = performance.now() - started;
await new Promise((r) => setTimeout(r, Number(option('--delay', 0))));
const secret = await timed('GetSecretValue', { SecretName: option('--secret', 's777') });
const key = await timed('DescribeKey', { KeyId: option('--key', 'unknown') });
const page = { PageSize: '100', PageNumber: '500' };
const firstSecrets = await timed('ListSecrets', page);
const firstKeys = await timed('ListKeys', page);
const keyPages = [];
const secretPages = [];
for (let i = 0; i < 30; i++)
  keyPages.push((await timed('ListKeys', { ...page, PageNumber: String(500 + (i % 3)) })).ms);
for (let i = 0; i < 30; i++)
  secretPages.push((await timed('ListSecrets', { ...page, PageNumber: String(500 + (i % 3)) })).ms);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));

const status = (r) => (r.status === 200 ? '' : ` (status ${r.status})`);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`restart to first answered request: ${restart.toFixed(0)} ms`);
console.log(
  `then: GetSecretValue ${secret.ms.toFixed(1)} ms${status(secret)}, DescribeKey ${key.ms.toFixed(1)} ms${status(key)}, first ListSecrets page ${firstSecrets.ms.toFixed(0)} ms${status(firstSecrets)}, first ListKeys page ${firstKeys.ms.toFixed(0)} ms${status(firstKeys)}; then p50 ListKeys ${p50(keyPages).toFixed(2)} ms, ListSecrets ${p50(secretPages).toFixed(2)} ms`,
);

// In this process: what the store itself spends (CPU time beside wall time).
const { Store } = await import('../dist/store/store.js');
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const store = new Store({ file: state });
let wall = performance.now();
let used = cpu();
await store.open();
console.log(`Store.open: ${(performance.now() - wall).toFixed(1)} ms (${(cpu() - used).toFixed(1)} ms CPU)`);
const byCreation = {
  compare: (a, b) => (a.creationDate ?? a.createTime ?? 0) - (b.creationDate ?? b.createTime ?? 0),
};
for (const name of store.tableNames()) {
  const table = store.table(name);
  const [largest] = table.partitions().sort((a, b) => table.count(b) - table.count(a));
  if (!largest || table.count(largest) < 1000) continue;
  wall = performance.now();
  used = cpu();
  table.ordered(largest, byCreation);
  console.log(
    `first ordered view of ${name} (${table.count(largest)} records): ${(performance.now() - wall).toFixed(0)} ms (${(cpu() - used).toFixed(0)} ms CPU)`,
  );
}
await store.close();

// CPU per list page of 100 in this process (the listener fed in-memory requests): the handler's own
// cost, whatever else the machine runs.
const { Emulator } = await import('../dist/emulator.js');
const { createListener } = await import('../dist/server.js');
const emulator = await Emulator.create({ port: 0, state, logLevel: 'warn' });
const listener = createListener(emulator, () => emulator.app);
const inProcess = (action, extra) =>
  new Promise((resolve) => {
    const req = Readable.from([]);
    const url = `/?${v1SignedQuery('LTAIEmulatorAccessKeyId', 'EmulatorAccessKeySecret', action, extra)}`;
    Object.assign(req, { url, method: 'GET', headers: { host: '127.0.0.1:8080' }, socket: {} });
    const res = {
      setHeader() {},
      writeHead(status) {
        this.status = status;
      },
      end() {
        resolve(this.status);
      },
    };
    listener(req, res);
  });
for (const action of ['ListKeys', 'ListSecrets']) {
  if ((await inProcess(action, page)) !== 200) throw new Error(`${action} failed in process`);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 4; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < 300; i++) await inProcess(action, { ...page, PageNumber: String(500 + (i % 3)) });
    const used = process.cpuUsage(before);
    if (round > 0) best = Math.min(best, (used.user + used.system) / 300);
  }
  console.log(`${action} page of 100 in process: ${best.toFixed(0)} µs CPU (best of 3 rounds of 300)`);
}
await emulator.close();
rmSync(dir, { recursive: true, force: true });
