#!/usr/bin/env node
// Benchmarks with printed figures (never a timed test): cold start, request throughput and latency,
// store write cost as the number of stored records grows, memory. Run: npm run bench
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../dist/store/store.js';

const AK = 'LTAIEmulatorAccessKeyId';
const SK = 'EmulatorAccessKeySecret';
const enc = (v) =>
  encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function signedQuery(action, extra = {}) {
  const p = {
    Format: 'JSON',
    Version: '2016-01-20',
    AccessKeyId: AK,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: `${new Date().toISOString().slice(0, 19)}Z`,
    Action: action,
    ...extra,
  };
  const canonical = Object.keys(p)
    .sort()
    .map((k) => `${enc(k)}=${enc(p[k])}`)
    .join('&');
  const sig = createHmac('sha1', `${SK}&`)
    .update(`GET&%2F&${enc(canonical)}`)
    .digest('base64');
  return `${canonical}&Signature=${enc(sig)}`;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function coldStart() {
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/cli.js', 'start', '--port', '0', '--state', ':memory:'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`exit ${code}`)));
  });
  const res = await fetch(`${url}/?${signedQuery('DescribeRegions')}`);
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  const ms = performance.now() - started;
  return { ms, url, child };
}

async function main() {
  const starts = [];
  for (let i = 0; i < 5; i++) {
    const { ms, child } = await coldStart();
    starts.push(ms);
    child.kill();
  }
  starts.sort((a, b) => a - b);
  console.log(
    `cold start to first answered request: median ${starts[2].toFixed(0)} ms (min ${starts[0].toFixed(0)}, max ${starts[4].toFixed(0)}) over 5 runs`,
  );

  const { url, child } = await coldStart();
  const total = 3000;
  const concurrency = 16;
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const s = performance.now();
        const res = await fetch(`${url}/?${signedQuery('DescribeRegions')}`);
        await res.arrayBuffer();
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `DescribeRegions (signed GET, ${concurrency} concurrent): ${(total / elapsed).toFixed(0)} ops/s, ` +
      `p50 ${percentile(latencies, 50).toFixed(2)} ms, p95 ${percentile(latencies, 95).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
  );
  const health = await (await fetch(`${url}/_emulator/health`)).json();
  if (health.status !== 'ok') throw new Error('unhealthy');
  child.kill();

  const dir = mkdtempSync(join(tmpdir(), 'kms-bench-'));
  const store = new Store({ file: join(dir, 'state.json') });
  await store.open();
  const table = store.table('secrets');
  const record = {
    name: 'x',
    description: 'y'.repeat(200),
    versions: [{ id: 'v1', stages: ['ACSCurrent'] }],
  };
  const sampleAt = [1_000, 10_000, 100_000];
  let stored = 0;
  for (const target of sampleAt) {
    while (stored < target) {
      for (let i = 0; i < 1000 && stored < target; i++, stored++)
        table.put('acct/cn-hangzhou', `s${stored}`, record);
      await store.commit();
    }
    const samples = [];
    for (let i = 0; i < 200; i++) {
      const s = performance.now();
      table.put('acct/cn-hangzhou', `probe${i}`, record);
      await store.commit();
      samples.push(performance.now() - s);
    }
    samples.sort((a, b) => a - b);
    console.log(
      `store: one durable write with ${target.toLocaleString('en')} records stored: p50 ${percentile(samples, 50).toFixed(3)} ms, p99 ${percentile(samples, 99).toFixed(3)} ms`,
    );
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const mem = process.memoryUsage();
  console.log(
    `bench process memory after 100k records: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
}

await main();
