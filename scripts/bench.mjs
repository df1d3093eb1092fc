#!/usr/bin/env node
// Benchmarks with printed figures (never a timed test). Run: npm run bench [-- --smoke] [-- --rounds 3]
//
// Side by side, on this machine: this emulator, a bare node:http server (scripts/bare-server.mjs),
// and, when they are installed, local-kms (the Go AWS KMS emulator: `local-kms` on PATH or
// LOCAL_KMS_BIN) and moto server (`moto_server` on PATH or MOTO_SERVER). A peer that is not there
// is printed as "skipped". Servers run pinned to CPU 0 and this load generator to CPU 1 (taskset),
// when there are two CPUs. Every request to the emulator is V1-signed with a unique nonce.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { v1SignedQuery } from './v1-sign.mjs';

const args = process.argv.slice(2);
const SMOKE = args.includes('--smoke');
const ROUNDS = Number(args[args.indexOf('--rounds') + 1]) || 1;
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;
const want = (section) => !ONLY || ONLY.includes(section);
const SERVER_LIST = args.includes('--servers') ? args[args.indexOf('--servers') + 1].split(',') : undefined;
// --ops Decrypt,Encrypt and --levels 16 narrow the throughput section (e.g. to profile one call).
const listArg = (name) => (args.includes(name) ? args[args.indexOf(name) + 1].split(',') : undefined);
const ROOT = new URL('..', import.meta.url).pathname;
const AK = 'LTAIEmulatorAccessKeyId';
const SK = 'EmulatorAccessKeySecret';

// ---------- pinning ----------
const TASKSET = which('taskset');
const PIN = TASKSET && cpus().length >= 2 && !process.env.BENCH_NO_PIN;
if (PIN) {
  try {
    execFileSync(TASKSET, ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  } catch {}
}

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    if (dir && existsSync(path)) return path;
  }
  return undefined;
}

// ---------- signing ----------
/** A V1-signed GET request for the emulator, as raw HTTP/1.1 bytes. */
function v1Request(port, action, extra = {}) {
  return Buffer.from(
    `GET /?${v1SignedQuery(AK, SK, action, extra)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
  );
}

/** An AWS JSON 1.1 request signed with SigV4 (the AWS peers' own protocol). */
function awsRequest(port, service, target, payload) {
  const body = JSON.stringify(payload);
  const now = new Date();
  const amzDate = `${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
  const day = amzDate.slice(0, 8);
  const host = `127.0.0.1:${port}`;
  const hash = (s) => createHash('sha256').update(s).digest('hex');
  const hmac = (k, s) => createHmac('sha256', k).update(s).digest();
  const headers = `content-type:application/x-amz-json-1.1\nhost:${host}\nx-amz-date:${amzDate}\nx-amz-target:${target}\n`;
  const signed = 'content-type;host;x-amz-date;x-amz-target';
  const canonical = `POST\n/\n\n${headers}\n${signed}\n${hash(body)}`;
  const scope = `${day}/us-east-1/${service}/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${hash(canonical)}`;
  const key = hmac(hmac(hmac(hmac(`AWS4${'secret'}`, day), 'us-east-1'), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return Buffer.from(
    `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Date: ${amzDate}\r\n` +
      `X-Amz-Target: ${target}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/${scope}, SignedHeaders=${signed}, Signature=${signature}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

// ---------- a raw keep-alive HTTP/1.1 client (cheap enough not to be the bottleneck) ----------
function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(new Connection(socket)));
    socket.once('error', reject);
  });
}

class Connection {
  constructor(socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    this.buffer = Buffer.alloc(0);
    this.waiting = undefined;
    socket.on('data', (chunk) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.parse();
    });
    socket.on('error', (error) => this.waiting?.reject(error));
    socket.on('close', () => {
      this.dead = true;
      // A body delimited by the end of the connection (HTTP/1.0 style servers).
      const end = this.buffer.indexOf('\r\n\r\n');
      if (this.waiting && end !== -1) {
        const status = Number(this.buffer.subarray(9, 12).toString('latin1'));
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting.resolve({ status, body: this.buffer.subarray(end + 4) });
      }
      this.waiting?.reject(new Error('connection closed'));
    });
  }
  send(request) {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }
  parse() {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end === -1) return;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let body;
    let rest;
    if (length) {
      const total = end + 4 + Number(length[1]);
      if (this.buffer.length < total) return;
      body = this.buffer.subarray(end + 4, total);
      rest = this.buffer.subarray(total);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parts = [];
      let at = end + 4;
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd === -1) return;
        const size = Number.parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          at = lineEnd + 4;
          break;
        }
        parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
      rest = this.buffer.subarray(at);
    } else return;
    if (/\r\nconnection:\s*close/i.test(head) || head.startsWith('HTTP/1.0')) this.dead = true;
    this.buffer = rest;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ status, body });
  }
  close() {
    this.socket.destroy();
  }
}

async function once(port, request) {
  const conn = await connect(port);
  try {
    const res = await conn.send(request);
    return { status: res.status, json: JSON.parse(res.body.toString('utf8') || '{}') };
  } finally {
    conn.close();
  }
}

/**
 * Sends `requests` (an array of buffers, or a function i → buffer) over `concurrency` keep-alive
 * connections until all are sent or `maxMs` passed. Returns rate, latencies and per-request completion times.
 */
async function load(
  port,
  requests,
  { concurrency, total, maxMs = Number.POSITIVE_INFINITY, keepTimes = false },
) {
  const conns = await Promise.all(Array.from({ length: concurrency }, () => connect(port)));
  const latencies = new Float64Array(total);
  const finished = keepTimes ? new Float64Array(total) : undefined;
  let next = 0;
  let done = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  await Promise.all(
    conns.map(async (first, slot) => {
      let conn = first;
      while (next < total && performance.now() < deadline) {
        if (conn.dead) {
          conn = await connect(port);
          conns[slot] = conn;
        }
        const i = next++;
        const request = typeof requests === 'function' ? requests(i) : requests[i % requests.length];
        const s = performance.now();
        const res = await conn.send(request);
        const e = performance.now();
        if (res.status !== 200) {
          errors += 1;
          if (errors <= 3)
            console.error(`  ! status ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
        }
        latencies[done] = e - s;
        if (finished) finished[done] = e - t0;
        done += 1;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const conn of conns) conn.close();
  if (process.env.BENCH_DEBUG && done >= 1000) {
    // Where in the run the slow answers were: p99 of each tenth, in order.
    const tenth = Math.floor(done / 10);
    const parts = [];
    for (let i = 0; i < 10; i++) {
      const part = latencies.slice(i * tenth, (i + 1) * tenth).sort();
      parts.push(pct(part, 99).toFixed(1));
    }
    console.error(`  p99 ms by tenth of the run: ${parts.join(' ')}`);
  }
  const sorted = latencies.subarray(0, done).sort();
  return {
    count: done,
    errors,
    rate: done / seconds,
    p50: pct(sorted, 50),
    p90: pct(sorted, 90),
    p99: pct(sorted, 99),
    p999: pct(sorted, 99.9),
    max: sorted[done - 1] ?? 0,
    finished: finished?.subarray(0, done),
  };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

// ---------- servers ----------
function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, timeoutMs = 30_000) {
  const until = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > until) throw new Error(`port ${port} never opened`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

// NODE_EXTRA_CA_CERTS makes every Node process read and parse that file before it runs any code
// (Node 20 loads it at start-up; a system bundle of ~150 certificates costs ~70 ms here). A server
// needs no outbound CA, and a developer's machine rarely sets it: servers start without it, unless
// --keep-ca-env. The cold-start table also shows the two Node servers with it, when it is set.
const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;
const KEEP_CA_ENV = args.includes('--keep-ca-env');
let withExtraCa = KEEP_CA_ENV;

function spawnPinned(command, commandArgs, env = {}) {
  const [cmd, argv] = PIN ? [TASKSET, ['-c', '0', command, ...commandArgs]] : [command, commandArgs];
  const childEnv = { ...process.env, ...env };
  if (!withExtraCa) delete childEnv.NODE_EXTRA_CA_CERTS;
  return spawn(cmd, argv, {
    // BENCH_SERVER_STDOUT=FILE keeps what servers print (e.g. with BENCH_NODE_ARGS=--trace-gc).
    stdio: [
      'ignore',
      process.env.BENCH_SERVER_STDOUT ? openSync(process.env.BENCH_SERVER_STDOUT, 'a') : 'ignore',
      'pipe',
    ],
    env: childEnv,
    cwd: ROOT,
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

function rssMiB(pid) {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const LOCAL_KMS = process.env.LOCAL_KMS_BIN ?? which('local-kms');
const MOTO = process.env.MOTO_SERVER ?? which('moto_server');

/** Encrypt and Decrypt for an AWS KMS peer (local-kms, moto): one key, one blob to decrypt. */
async function awsKmsCalls(port) {
  const key = await once(port, awsRequest(port, 'kms', 'TrentService.CreateKey', {}));
  const keyId = key.json.KeyMetadata.KeyId;
  const plaintext = Buffer.alloc(32, 7).toString('base64');
  const blob = (
    await once(port, awsRequest(port, 'kms', 'TrentService.Encrypt', { KeyId: keyId, Plaintext: plaintext }))
  ).json.CiphertextBlob;
  return {
    Encrypt: () => awsRequest(port, 'kms', 'TrentService.Encrypt', { KeyId: keyId, Plaintext: plaintext }),
    Decrypt: () => awsRequest(port, 'kms', 'TrentService.Decrypt', { CiphertextBlob: blob }),
  };
}

/** Each server: how to start it, and how to prepare the three calls (null: not offered). */
const nodeArgs = (text) => (text ? text.split(' ').filter(Boolean) : []);
// BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the emulator process alone
const emulatorServer = (root, args = nodeArgs(process.env.BENCH_NODE_ARGS)) => ({
  available: true,
  start: (port, extra = []) =>
    spawnPinned(process.execPath, [
      ...args,
      join(root, 'dist/kms-emulator.cjs'),
      'start',
      '--port',
      String(port),
      '--state',
      ':memory:',
      '--log-level',
      'warn',
      ...extra,
    ]),
  first: (port) => v1Request(port, 'DescribeRegions'),
  async prepare(port) {
    const key = await once(port, v1Request(port, 'CreateKey', { Description: 'bench' }));
    const keyId = key.json.KeyMetadata.KeyId;
    const plaintext = Buffer.alloc(32, 7).toString('base64');
    const blob = (await once(port, v1Request(port, 'Encrypt', { KeyId: keyId, Plaintext: plaintext }))).json
      .CiphertextBlob;
    await once(
      port,
      v1Request(port, 'CreateSecret', { SecretName: 'bench', SecretData: 'x'.repeat(64), VersionId: 'v1' }),
    );
    const user = await ramUser(port, keyId).catch(() => undefined);
    return {
      Encrypt: () => v1Request(port, 'Encrypt', { KeyId: keyId, Plaintext: plaintext }),
      Decrypt: () => v1Request(port, 'Decrypt', { CiphertextBlob: blob }),
      GetSecretValue: () => v1Request(port, 'GetSecretValue', { SecretName: 'bench' }),
      // The same Decrypt signed by a RAM user with 10 attached policies (30 statements, conditions
      // included), which authorization evaluates on every call (#25's Performance goal: ≥ 0.8x root).
      ...(user
        ? {
            'Decrypt (RAM user)': () =>
              Buffer.from(
                `GET /?${v1SignedQuery(user.id, user.secret, 'Decrypt', { CiphertextBlob: blob })} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
              ),
          }
        : {}),
    };
  },
  unique: true,
});

/**
 * A RAM user of the emulator with 10 custom policies of 3 statements each (conditions on source
 * address, virtual time and tags), the last of which allows kms:Decrypt on the bench key.
 */
async function ramUser(port, keyId) {
  const ram = (action, extra) => v1Request(port, action, { Version: '2015-05-01', ...extra });
  await once(port, ram('CreateUser', { UserName: 'bench-user' }));
  const key = (await once(port, ram('CreateAccessKey', { UserName: 'bench-user' }))).json.AccessKey;
  for (let i = 0; i < 10; i++) {
    const statements = [
      {
        Effect: 'Allow',
        Action: [`kms:Describe*`, 'kms:List*'],
        Resource: `acs:kms:*:*:key/${i}-*`,
        Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '127.0.0.0/8'] } },
      },
      {
        Effect: 'Allow',
        Action: 'kms:GenerateDataKey',
        Resource: '*',
        Condition: {
          DateLessThan: { 'acs:CurrentTime': '2099-01-01T00:00:00Z' },
          StringEquals: { 'kms:tag/team': `t${i}` },
        },
      },
      i === 9
        ? {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: `acs:kms:*:*:key/${keyId}`,
            Condition: { Bool: { 'acs:SecureTransport': 'false' } },
          }
        : { Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' },
    ];
    await once(
      port,
      ram('CreatePolicy', {
        PolicyName: `bench-${i}`,
        PolicyDocument: JSON.stringify({ Version: '1', Statement: statements }),
      }),
    );
    await once(
      port,
      ram('AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: `bench-${i}`, UserName: 'bench-user' }),
    );
  }
  return { id: key.AccessKeyId, secret: key.AccessKeySecret };
}

const SERVERS = {
  emulator: emulatorServer(ROOT),
  // BENCH_BASE=DIR adds a second emulator, built in another checkout (say, main before a change),
  // measured in the same interleaved rounds: an A/B comparison that the machine's noise spares.
  // BENCH_BASE_NODE_ARGS: node flags for that one alone (BENCH_BASE=. compares flags).
  ...(process.env.BENCH_BASE
    ? {
        'emulator@base': emulatorServer(
          process.env.BENCH_BASE,
          nodeArgs(process.env.BENCH_BASE_NODE_ARGS ?? process.env.BENCH_NODE_ARGS),
        ),
      }
    : {}),
  'node:http': {
    available: true,
    start: (port) => spawnPinned(process.execPath, ['scripts/bare-server.mjs', String(port)]),
    first: (port) => v1Request(port, 'DescribeRegions'),
    async prepare(port) {
      const fixed = () => v1Request(port, 'GetSecretValue', { SecretName: 'bench' });
      return { Encrypt: fixed, Decrypt: fixed, GetSecretValue: fixed };
    },
    unique: false,
  },
  'local-kms': {
    available: Boolean(LOCAL_KMS),
    start: (port) => {
      const data = mkdtempSync(join(tmpdir(), 'bench-local-kms-'));
      return spawnPinned(LOCAL_KMS, [], { PORT: String(port), KMS_DATA_PATH: data, KMS_REGION: 'us-east-1' });
    },
    first: (port) => awsRequest(port, 'kms', 'TrentService.ListKeys', {}),
    async prepare(port) {
      return { ...(await awsKmsCalls(port)), GetSecretValue: null };
    },
    unique: false,
  },
  moto: {
    available: Boolean(MOTO),
    start: (port) => spawnPinned(MOTO, ['-H', '127.0.0.1', '-p', String(port)]),
    first: (port) => awsRequest(port, 'kms', 'TrentService.ListKeys', {}),
    async prepare(port) {
      const kms = await awsKmsCalls(port);
      await once(
        port,
        awsRequest(port, 'secretsmanager', 'secretsmanager.CreateSecret', {
          Name: 'bench',
          SecretString: 'x'.repeat(64),
        }),
      );
      return {
        ...kms,
        GetSecretValue: () =>
          awsRequest(port, 'secretsmanager', 'secretsmanager.GetSecretValue', { SecretId: 'bench' }),
      };
    },
    unique: false,
  },
};

if (SERVER_LIST)
  for (const [name, server] of Object.entries(SERVERS))
    if (!SERVER_LIST.includes(name)) server.available = false;

/** Starts a server and times it to its first answered request. */
async function startServer(name, extra) {
  const server = SERVERS[name];
  const port = await freePort();
  const started = performance.now();
  const child = server.start(port, extra);
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  try {
    await waitForPort(port, child);
    for (;;) {
      const res = await once(port, server.first(port)).catch(() => ({ status: 0 }));
      if (res.status === 200) break;
      if (performance.now() - started > 30_000) throw new Error(`no answer (status ${res.status})`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${name}: ${error.message}\n${stderr.slice(-2000)}`);
  }
  return { port, child, coldMs: performance.now() - started };
}

// ---------- sections ----------
const fmt = (n, d = 0) =>
  n === undefined ? '—' : n.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d });
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : '—');

/**
 * Requests each server answers, per call and concurrency, before the measured ones: enough for V8
 * to finish optimising the emulator's hot path (with 1,000, the first tenth of the measured run
 * still had p99s of 18 ms; local-kms, compiled ahead of time, needs none).
 */
const WARM_REQUESTS = SMOKE ? 300 : 5_000;

async function throughput() {
  const ops = listArg('--ops') ?? ['Decrypt', 'Decrypt (RAM user)', 'Encrypt', 'GetSecretValue'];
  const levels = listArg('--levels')?.map(Number) ?? [16, 64];
  const perCell = SMOKE ? 300 : 20_000;
  const maxMs = SMOKE ? 2_000 : 4_000;
  const names = Object.keys(SERVERS);
  const results = {}; // name → op → c → [runs]
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const server = SERVERS[name];
      if (!server.available) continue;
      if (process.env.BENCH_DEBUG) console.error(`  [${name}]`);
      const { port, child } = await startServer(name);
      const calls = await server.prepare(port).catch((error) => {
        throw new Error(`${name}: preparing failed: ${error.message}`);
      });
      for (const op of ops) {
        const make = calls[op];
        if (!make) continue;
        for (const c of levels) {
          // Unique nonces: every request is signed anew, before the clock starts.
          const count = server.unique ? perCell : Math.min(perCell, 2000);
          const warm = Array.from({ length: Math.min(count, WARM_REQUESTS) }, make);
          await load(port, warm, { concurrency: c, total: warm.length });
          const requests = Array.from({ length: count }, make);
          const cpuBefore = cpuSplit(child.pid);
          const threadsBefore = process.env.BENCH_DEBUG ? threadCpu(child.pid) : {};
          const clientBefore = process.cpuUsage();
          const r = await load(port, requests, {
            concurrency: c,
            total: server.unique ? count : perCell,
            maxMs,
          }).catch((error) => {
            throw new Error(`${name} ${op} c=${c}: ${error.message}`);
          });
          // CPU the server spent per answered request (all its threads): unlike req/s, it hardly
          // moves when other work shares the machine.
          const cpuAfter = cpuSplit(child.pid);
          const perRequest = (seconds) => (seconds * 1e6) / r.count;
          if (cpuBefore && cpuAfter && r.count > 0)
            r.cpuUs = perRequest(cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system);
          if (process.env.BENCH_DEBUG && r.count > 0) {
            const client = process.cpuUsage(clientBefore);
            const clientUs = (client.user + client.system) / r.count;
            const seconds = r.count / r.rate;
            const share = (us) => fmt((100 * us * r.count) / 1e6 / seconds);
            const threads = Object.entries(threadCpu(child.pid))
              .map(([thread, total]) => [thread, perRequest(total - (threadsBefore[thread] ?? 0))])
              .filter(([, us]) => us >= 0.5)
              .map(([thread, us]) => `${thread} ${fmt(us)}`);
            console.error(`  ${name} ${op} c=${c}: µs/req by thread: ${threads.join(', ')}`);
            console.error(
              `  ${name} ${op} c=${c}: ${fmt(r.rate)} req/s, server ${fmt(r.cpuUs)} µs/req (system ${cpuBefore && cpuAfter ? fmt(perRequest(cpuAfter.system - cpuBefore.system)) : '—'}) (${share(r.cpuUs)}% of a core), load generator ${fmt(clientUs)} µs/req (${share(clientUs)}%); ms p50 ${r.p50.toFixed(2)} p90 ${r.p90.toFixed(2)} p99 ${r.p99.toFixed(2)} p99.9 ${r.p999.toFixed(2)} max ${r.max.toFixed(1)}`,
            );
          }
          ((results[name] ??= {})[op] ??= {})[c] ??= [];
          results[name][op][c].push(r);
        }
      }
      await stop(child);
    }
  }
  const median = (runs) => {
    const sorted = [...runs].sort((a, b) => a.rate - b.rate);
    return {
      ...sorted[Math.floor(sorted.length / 2)],
      spread: runs.length > 1 ? `${fmt(sorted[0].rate)}–${fmt(sorted.at(-1).rate)}` : '',
    };
  };
  console.log(
    `\nSigned throughput (req/s; p50/p99 ms)${ROUNDS > 1 ? `, median of ${ROUNDS} interleaved rounds (spread)` : ''}`,
  );
  const header = [
    'call',
    'c',
    ...names.map((n) => (SERVERS[n].available ? n : `${n} (skipped)`)),
    'emu/local-kms',
    'emu/node:http',
    'emu/moto',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  const cpuRows = [];
  for (const op of ops) {
    for (const c of levels) {
      const cpu = (name) => {
        const runs = results[name]?.[op]?.[c];
        if (!runs) return undefined;
        const values = runs.map((r) => r.cpuUs).filter((v) => v !== undefined);
        return values.length ? values.sort((a, b) => a - b)[Math.floor(values.length / 2)] : undefined;
      };
      cpuRows.push(
        `| ${op} | ${c} | ${names.map((n) => (SERVERS[n].available ? (cpu(n) === undefined ? '—' : `${fmt(cpu(n))} (${fmt(1e6 / cpu(n))}/s)`) : 'skipped')).join(' | ')} | ${ratio(cpu('local-kms'), cpu('emulator'))} | ${ratio(cpu('node:http'), cpu('emulator'))} | ${ratio(cpu('moto'), cpu('emulator'))} |`,
      );
      const cell = (name) => {
        const runs = results[name]?.[op]?.[c];
        if (!SERVERS[name].available) return 'skipped';
        if (!runs) return '—';
        const m = median(runs);
        return `${fmt(m.rate)} (${m.p50.toFixed(1)}/${m.p99.toFixed(1)})${m.errors ? ` ${m.errors} errors` : ''}${m.spread ? ` [${m.spread}]` : ''}`;
      };
      const rate = (name) => (results[name]?.[op]?.[c] ? median(results[name][op][c]).rate : undefined);
      console.log(
        `| ${op} | ${c} | ${names.map(cell).join(' | ')} | ${ratio(rate('emulator'), rate('local-kms'))} | ${ratio(rate('emulator'), rate('node:http'))} | ${ratio(rate('emulator'), rate('moto'))} |`,
      );
    }
  }
  console.log(
    '\nServer CPU per answered request (µs, all threads; in brackets the rate that allows on one core). Ratios: peer CPU / emulator CPU (above 1: the emulator needs less)',
  );
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of cpuRows) console.log(row);
}

/** User + system CPU seconds of a process, all threads (/proc; undefined elsewhere). */
function cpuSeconds(pid) {
  const split = cpuSplit(pid);
  return split && split.user + split.system;
}

/** CPU seconds of each thread of a process, by thread name and id (/proc; empty elsewhere). */
function threadCpu(pid) {
  const out = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[`${name}/${tid === String(pid) ? 'main' : tid}`] = (Number(fields[11]) + Number(fields[12])) / 100;
    }
  } catch {}
  return out;
}

/** User and system CPU seconds of a process, all threads (/proc; undefined elsewhere). */
function cpuSplit(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return undefined;
  }
}

/** One row of the cold-start table: `runs` starts of a server, the median and spread, and its idle RSS. */
async function coldStartRow(label, name, runs, { extra, rss: withRss = true } = {}) {
  const times = [];
  let rss;
  for (let i = 0; i < runs; i++) {
    const { child, coldMs } = await startServer(name, extra);
    times.push(coldMs);
    if (withRss) {
      await new Promise((r) => setTimeout(r, 200));
      rss = rssMiB(child.pid);
    }
    await stop(child);
  }
  times.sort((a, b) => a - b);
  console.log(
    `| ${label} | ${fmt(times[Math.floor(runs / 2)])} (${fmt(times[0])}–${fmt(times.at(-1))}) | ${withRss ? fmt(rss) : ''} |`,
  );
}

async function coldStarts() {
  const runs = SMOKE ? 1 : 5;
  console.log('\nCold start to first answered signed request, and idle RSS (median of runs)');
  console.log('| server | cold start ms (min–max) | idle RSS MiB |');
  console.log('|---|---|---|');
  for (const [name, server] of Object.entries(SERVERS)) {
    if (server.available) await coldStartRow(name, name, runs);
    else console.log(`| ${name} | skipped | skipped |`);
  }
  // The same two Node servers with NODE_EXTRA_CA_CERTS as this machine sets it (see spawnPinned).
  if (EXTRA_CA && !KEEP_CA_ENV) {
    withExtraCa = true;
    for (const name of ['emulator', 'node:http'])
      await coldStartRow(`${name}, NODE_EXTRA_CA_CERTS set`, name, runs, { rss: false });
    withExtraCa = false;
  }
  // The emulator as users run it: with a state file (made by the first run, opened by the others).
  if (SERVERS.emulator.available) {
    const state = join(mkdtempSync(join(tmpdir(), 'kms-bench-cold-')), 'state.json');
    await coldStartRow('emulator, --state FILE', 'emulator', runs, { extra: ['--state', state] });
  }
}

/**
 * `--only ab` with BENCH_BASE: this emulator and emulator@base run at the same time, both pinned
 * to the server CPU, and the load goes to both at once (c/2 connections each). Whatever else the
 * machine does at that moment, both suffer it alike, so the ratio of their CPU per request is an
 * A/B figure that the machine's noise (±30% between runs here) does not swamp.
 */
async function ab() {
  if (!SERVERS['emulator@base']) {
    console.log('\nA/B: set BENCH_BASE=DIR (another checkout, built) to compare with it.');
    return;
  }
  const ops = listArg('--ops') ?? ['Decrypt', 'Decrypt (RAM user)', 'Encrypt', 'GetSecretValue'];
  const c = (listArg('--levels')?.map(Number) ?? [16])[0];
  const perSide = SMOKE ? 300 : 20_000;
  const rows = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sides = [];
    for (const name of ['emulator', 'emulator@base']) {
      const { port, child } = await startServer(name);
      sides.push({ name, port, child, calls: await SERVERS[name].prepare(port) });
    }
    for (const op of ops) {
      // A call one side does not have (the base before RAM users existed): not compared.
      if (sides.some((side) => !side.calls[op])) continue;
      const requests = sides.map((side) => Array.from({ length: perSide }, side.calls[op]));
      const warm = sides.map((side) => Array.from({ length: WARM_REQUESTS }, side.calls[op]));
      await Promise.all(
        sides.map((side, i) => load(side.port, warm[i], { concurrency: c / 2, total: WARM_REQUESTS })),
      );
      const before = sides.map((side) => cpuSeconds(side.child.pid));
      const results = await Promise.all(
        sides.map((side, i) => load(side.port, requests[i], { concurrency: c / 2, total: perSide })),
      );
      const cpu = sides.map((side, i) => ((cpuSeconds(side.child.pid) - before[i]) * 1e6) / results[i].count);
      rows.push({ op, round, cpu, p99: results.map((r) => r.p99) });
    }
    for (const side of sides) await stop(side.child);
  }
  console.log(
    `\nA/B, both at once (c=${c / 2} each): server CPU µs per request, emulator vs emulator@base (${process.env.BENCH_BASE})`,
  );
  console.log('| call | emulator | emulator@base | base/emulator (above 1: this one needs less) |');
  console.log('|---|---|---|---|');
  for (const op of ops) {
    const mine = rows.filter((r) => r.op === op);
    if (mine.length === 0) continue;
    const ratios = mine.map((r) => r.cpu[1] / r.cpu[0]).sort((a, b) => a - b);
    const med = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    console.log(
      `| ${op} | ${fmt(med(mine.map((r) => r.cpu[0])))} | ${fmt(med(mine.map((r) => r.cpu[1])))} | ${med(ratios).toFixed(2)}x [${ratios.map((v) => v.toFixed(2)).join(', ')}] |`,
    );
  }
}

async function decay() {
  const total = SMOKE ? 2_000 : 100_000;
  const window = SMOKE ? 200 : 5_000;
  const { port, child } = await startServer('emulator');
  const calls = await SERVERS.emulator.prepare(port);
  const requests = Array.from({ length: total }, calls.GetSecretValue);
  const r = await load(port, requests, { concurrency: 16, total, keepTimes: true });
  await stop(child);
  const f = r.finished;
  const firstRate = window / (f[window - 1] / 1000);
  const lastRate = window / ((f[total - 1] - f[total - window - 1]) / 1000);
  console.log(
    `\nNo decay: ${fmt(total)} signed GetSecretValue at c=16: first ${fmt(window)} ${fmt(firstRate)} req/s, last ${fmt(window)} ${fmt(lastRate)} req/s: ${ratio(lastRate, firstRate)}${r.errors ? ` (${r.errors} errors)` : ''}`,
  );
}

async function writes() {
  const dir = mkdtempSync(join(tmpdir(), 'kms-bench-writes-'));
  const { port, child } = await startServer('emulator', ['--state', join(dir, 'state.json')]);
  const secrets = 64;
  for (let s = 0; s < secrets; s++)
    await once(
      port,
      v1Request(port, 'CreateSecret', { SecretName: `w${s}`, SecretData: 'v0', VersionId: 'v0' }),
    );
  let version = 0;
  const put = (i) => {
    version += 1;
    return v1Request(port, 'PutSecretValue', {
      SecretName: `w${i % secrets}`,
      SecretData: `v${version}`,
      VersionId: `v${version}`,
    });
  };
  const n = SMOKE ? 200 : 3000;
  const one = await load(
    port,
    Array.from({ length: n }, (_, i) => put(i)),
    { concurrency: 1, total: n, maxMs: 8000 },
  );
  const sixteen = await load(
    port,
    Array.from({ length: n * 2 }, (_, i) => put(i)),
    { concurrency: 16, total: n * 2, maxMs: 8000 },
  );
  await stop(child);
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `\nDurable writes (state file, fsync): PutSecretValue c=1 ${fmt(one.rate)} req/s (p99 ${one.p99.toFixed(1)} ms), c=16 ${fmt(sixteen.rate)} req/s (p99 ${sixteen.p99.toFixed(1)} ms): ${ratio(sixteen.rate, one.rate)}${one.errors + sixteen.errors ? ` (${one.errors + sixteen.errors} errors)` : ''}`,
  );
}

async function scale() {
  const total = args.includes('--scale')
    ? Number(args[args.indexOf('--scale') + 1])
    : SMOKE
      ? 3_000
      : 100_000;
  const sample = 1_000;
  const dir = mkdtempSync(join(tmpdir(), 'kms-bench-scale-'));
  const state = join(dir, 'state.json');
  const { port, child } = await startServer('emulator', ['--state', state]);
  const rows = [];
  const kinds = [
    {
      name: 'secrets',
      create: 'CreateSecret',
      list: 'ListSecrets',
      make: (i) => ({ SecretName: `s${i}`, SecretData: 'x'.repeat(32), VersionId: 'v1' }),
    },
    { name: 'keys', create: 'CreateKey', list: 'ListKeys', make: () => ({ Description: 'bench' }) },
  ];
  for (const kind of kinds) {
    const batch = 5_000;
    const rates = [];
    let maxWait = 0;
    let errors = 0;
    for (let from = 0; from < total; from += batch) {
      const size = Math.min(batch, total - from);
      const requests = Array.from({ length: size }, (_, i) =>
        v1Request(port, kind.create, kind.make(from + i)),
      );
      const r = await load(port, requests, { concurrency: 16, total: size, keepTimes: true });
      maxWait = Math.max(maxWait, r.max);
      errors += r.errors;
      if (from === 0) rates.push(Math.min(sample, size) / (r.finished[Math.min(sample, size) - 1] / 1000));
      if (from + size === total)
        rates.push(sample / ((r.finished[size - 1] - r.finished[size - sample - 1]) / 1000));
    }
    const page = Math.floor(total / 200);
    // A background compaction writes to .journal.next while it runs: say whether one overlapped the lists.
    let compacting = existsSync(`${state}.journal.next`);
    const lats = [];
    for (let i = 0; i < (SMOKE ? 5 : 40); i++) {
      const s = performance.now();
      const res = await once(
        port,
        v1Request(port, kind.list, { PageSize: '100', PageNumber: String(page + (i % 3)) }),
      );
      lats.push(performance.now() - s);
      if (res.status !== 200) errors += 1;
      compacting ||= existsSync(`${state}.journal.next`);
    }
    lats.sort((a, b) => a - b);
    rows.push({ kind, rates, maxWait, errors, listP50: pct(lats, 50), listMax: lats.at(-1), compacting });
  }
  const rss = rssMiB(child.pid);
  await stop(child);
  const restarted = await startServer('emulator', ['--state', state]);
  const restartRss = rssMiB(restarted.child.pid);
  // The first page of each list after the restart (builds the ordered view from the snapshot).
  const firstList = {};
  for (const kind of kinds) {
    const s = performance.now();
    const res = await once(
      restarted.port,
      v1Request(restarted.port, kind.list, { PageSize: '100', PageNumber: String(Math.floor(total / 200)) }),
    );
    firstList[kind.list] = res.status === 200 ? performance.now() - s : undefined;
  }
  await stop(restarted.child);
  if (args.includes('--keep')) console.log(`state kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  console.log(`\nAt scale: ${fmt(total)} secrets, then ${fmt(total)} keys, one state file (fsync), c=16`);
  console.log(
    '| resource | create req/s at first 1,000 | at last 1,000 | ratio | list page of 100, p50 (max) ms | longest write wait ms |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.kind.name} | ${fmt(r.rates[0])} | ${fmt(r.rates[1])} | ${ratio(r.rates[1], r.rates[0])} | ${r.listP50.toFixed(1)} (${r.listMax.toFixed(1)})${r.compacting ? ', during a compaction' : ''} | ${fmt(r.maxWait)}${r.errors ? ` (${r.errors} errors)` : ''} |`,
    );
  }
  console.log(
    `RSS with ${fmt(total)} secrets + ${fmt(total)} keys: ${fmt(rss)} MiB; restart to first answered request: ${fmt(restarted.coldMs)} ms (RSS after restart ${fmt(restartRss)} MiB)`,
  );
  console.log(
    `After the restart, first page of 100: ${kinds.map((k) => `${k.list} ${firstList[k.list] === undefined ? 'failed' : `${fmt(firstList[k.list])} ms`}`).join(', ')}`,
  );
}

console.log(
  `alibaba-kms-emulator benchmark${SMOKE ? ' (smoke: small counts, figures not meaningful)' : ''} — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${PIN ? 'servers pinned to CPU 0, load generator to CPU 1' : 'not pinned'}`,
);
console.log(
  `peers: local-kms ${LOCAL_KMS ? 'present' : 'skipped (not installed)'}, moto ${MOTO ? 'present' : 'skipped (not installed)'}`,
);
if (EXTRA_CA)
  console.log(
    KEEP_CA_ENV
      ? `NODE_EXTRA_CA_CERTS=${EXTRA_CA} is kept for the servers (--keep-ca-env)`
      : `NODE_EXTRA_CA_CERTS is set here (${EXTRA_CA}): servers start without it (--keep-ca-env keeps it); the cold-start table shows both`,
  );
if (want('cold')) await coldStarts();
if (want('throughput')) await throughput();
if (ONLY?.includes('ab')) await ab();
if (want('decay')) await decay();
if (want('writes')) await writes();
if (want('scale')) await scale();
