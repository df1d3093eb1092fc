#!/usr/bin/env node
// Seeded, bounded fuzzer for the emulator (#12 §2). Starts an emulator from dist/ in a process of
// its own (scripts/fuzz-server.mjs) and sends it malformed and hostile requests: every implemented
// operation with mutated parameters (V1 GET, V1 POST form, V3), the parameter layer (JSON shapes,
// unicode, huge values, deep nesting), bad encodings and percent-encoding, the /_emulator control
// endpoints, and raw sockets. It fails (exit 1) on any 5xx, a crash (uncaught exception or unhandled
// rejection, in the emulator or here), the emulator exiting, or a hang.
//
//   node scripts/fuzz.mjs [--requests 100000] [--seed 1] [--concurrency 8] [--timeout-ms 10000]
//                         [--warmup 5000] [--sample-every 10000] [--max-rss-ratio 1.5]
//
// Prints the counts by status; what the bounded per-request structures hold at the end; up to 10
// reproducers of anything that failed; and the emulator's memory, each time after two full GCs:
// `cold` as it started (200 health checks), `warm` after `--warmup` fuzz requests (which load what
// loads on first use and compile the hot code), and `after` the `--requests` that follow.
// `afterIdle` (and `coldIdle`) are `after` (and `cold`) once the emulator has been idle 6 s (V8 then
// shrinks its young generation).
// `rssMiB` pairs them like for like (#12 asks the end to be within 1.5x of the start): `idle`
// (coldIdle → afterIdle) and `atOnce` (warm → after); `--max-rss-ratio R` fails the run when either
// is above R. `rssByMappingMiB` splits RSS by mapping
// (anonymous: the JS heap and malloc; files: the node binary and libraries).
// `--sample-every N` prints the emulator's RSS and heap every N requests (no GC); FUZZ_SNAPSHOTS=1
// writes heap snapshots (warm, after, after reset) in the working directory; FUZZ_SERVER_NODE_ARGS
// adds node flags to the emulator's process.
import { fork } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    'timeout-ms': { type: 'string', default: '10000' },
    'sample-every': { type: 'string', default: '0' },
    warmup: { type: 'string', default: '5000' },
    'max-rss-ratio': { type: 'string' },
  },
});
const TOTAL = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const TIMEOUT_MS = Number(args['timeout-ms']);
const SAMPLE_EVERY = Number(args['sample-every']);
const WARMUP = Number(args.warmup);
const MAX_RSS_RATIO = args['max-rss-ratio'] === undefined ? undefined : Number(args['max-rss-ratio']);

const { implementedOperations, operations } = await import('../dist/api/index.js');
const { ram } = await import('../dist/ram/index.js');
const { sts } = await import('../dist/sts/index.js');
const { percentEncode, v1Signature, v1StringToSign, v3CanonicalRequest, v3Signature, v3StringToSign } =
  await import('../dist/protocol/signature.js');
const {
  DEFAULT_ACCESS_KEY_ID: AK,
  DEFAULT_ACCESS_KEY_SECRET: SK,
  DEFAULT_ACCOUNT_ID: ACCOUNT,
} = await import('../dist/protocol/credentials.js');
const { policyFuzzer } = await import('./fuzz-policies.mjs');

// --- seeded randomness (mulberry32) ----------------------------------------------------------------
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(
  Number.parseInt(createHash('sha256').update(String(args.seed)).digest('hex').slice(0, 8), 16),
);
const int = (n) => Math.floor(rand() * n);
const pick = (list) => list[int(list.length)];
const chance = (p) => rand() < p;

// --- the emulator under test (its own process: scripts/fuzz-server.mjs) ------------------------------
const failures = [];
let crashed = false;
let issued = 0;
const crash = (kind) => (error) => {
  crashed = true;
  failures.push({ kind, error: String(error?.stack ?? error).slice(0, 2000) });
};
const fuzzerFailed = (error) => {
  console.error('fuzz: the fuzzer itself failed:', error);
  process.exit(2);
};
process.on('uncaughtException', fuzzerFailed);
process.on('unhandledRejection', fuzzerFailed);

const server = fork(fileURLToPath(new URL('./fuzz-server.mjs', import.meta.url)), [String(args.seed)], {
  execArgv: ['--expose-gc', ...(process.env.FUZZ_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const pending = new Map();
let asked = 0;
/** Asks the emulator's process (see scripts/fuzz-server.mjs) and waits for the answer. */
function ask(type, value) {
  if (!server.connected) return Promise.reject(new Error('the emulator exited'));
  const id = ++asked;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    server.send({ id, type, value });
  });
}
const ready = new Promise((resolve) => {
  server.on('message', (message) => {
    if (message.type === 'ready') return resolve(message.url);
    if (message.type === 'crash') return crash(`emulator ${message.kind}`)(message.error);
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiting?.reject(new Error(message.error));
    else waiting?.resolve(message.value);
  });
  server.on('exit', (code, signal) => {
    if (code === 0) return;
    // A crash the emulator could not report: fail at once, saying when.
    console.error(`fuzz: FAILED: the emulator exited (${code ?? signal}) after ${issued} requests`);
    for (const f of failures.slice(0, 10)) console.error(JSON.stringify(f));
    process.exit(1);
  });
});
const { port } = new URL(await ready);
const HOST = `127.0.0.1:${port}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

const ops = implementedOperations().map((name) => operations.get(name));
/** How each product's requests are signed: its API version and the root pair (or a RAM caller's). */
const ROOT = { ak: AK, sk: SK };
const KMS = { version: '2016-01-20', ops, kind: 'kms' };
const RAM = {
  version: ram.version,
  ops: ram.implementedOperations().map((name) => ram.operations.get(name)),
  kind: 'ram',
};
const STS = {
  version: sts.version,
  ops: sts.implementedOperations().map((name) => sts.operations.get(name)),
  kind: 'sts',
};
// The RAM identities the authorization share acts as (made before the run, see setUpAuthorization).
const AUTHZ = {
  user: 'fuzz-authz-user',
  group: 'fuzz-authz-group',
  role: 'fuzz-authz-role',
  policies: ['fuzz-authz-p0', 'fuzz-authz-p1', 'fuzz-authz-p2'],
  key: undefined,
  secret: 'fuzz-authz-secret',
  /** The RAM user's AccessKey pair, and an assumed-role session's pair and token. */
  userCred: undefined,
  sessionCred: undefined,
};

// --- value corpus ------------------------------------------------------------------------------------
const deep = (n, open = '[', close = ']') => `${open.repeat(n)}${close.repeat(n)}`;
const STRINGS = [
  '',
  ' ',
  'x',
  'fuzz-secret',
  'alias/fuzz',
  'acs/ecs/x',
  'key-hzz62f1cb66fa42qo0000',
  'kst-hzz62f5ba3dnpb6v80000',
  'acs:kms:cn-hangzhou:1234567890123456:key/x',
  '0',
  '-1',
  '1',
  '7',
  '1024',
  '99999999999999999999',
  '1e308',
  'NaN',
  'true',
  'True',
  'false',
  'null',
  '[]',
  '{}',
  '[null]',
  '[[]]',
  '[{}]',
  '{"a":null}',
  '[{"Key":"x","Values":5}]',
  '[{"Key":"SecretName","Values":["a"]}]',
  '[{"Key":"k","Value":"v"}]',
  '[{"TagKey":"k","TagValue":"v"}]',
  '{"k":"v"}',
  '{"k":{"n":1}}',
  '"str"',
  '[1,2,3]',
  '["a",null]',
  deep(10_000),
  deep(64),
  deep(5_000, '{"a":', '}'),
  '7d',
  '604800s',
  '6h',
  '8761h',
  '300000y',
  'ACSCurrent',
  'ACSPrevious',
  'ACSPending',
  'Generic',
  'Rds',
  'RAMCredentials',
  'ECS',
  'Aliyun_AES_256',
  'RSA_2048',
  'EC_P256',
  'EC_SM2',
  'RSAES_OAEP_SHA_256',
  'SM2PKE',
  'SYMMETRIC_DEFAULT',
  'ENCRYPT/DECRYPT',
  'SIGN/VERIFY',
  'Enabled',
  'Disabled',
  'PendingDeletion',
  'base64',
  'text',
  'binary',
  'AAAA',
  '////',
  'aGVsbG8=',
  '%ff',
  '%',
  '%zz',
  '\u0000',
  '\uffff',
  '😀'.repeat(50),
  'é'.repeat(300),
  '<xml/>',
  '"; DROP TABLE',
  '../../etc/passwd',
  'a'.repeat(193),
  'a'.repeat(30_721),
];
function value() {
  const r = rand();
  if (r < 0.75) return pick(STRINGS);
  if (r < 0.85) return 'x'.repeat(int(4096));
  if (r < 0.9) return String(int(2 ** 31) - 2 ** 30);
  if (r < 0.95) return Buffer.from(Array.from({ length: int(64) }, () => int(256))).toString('latin1');
  return JSON.stringify(
    Array.from({ length: int(5) }, () =>
      chance(0.5) ? null : { Key: pick(STRINGS), Values: pick([5, [], ['a'], null, {}]) },
    ),
  );
}

const policies = policyFuzzer({
  int,
  pick,
  chance,
  accountId: ACCOUNT,
  userName: AUTHZ.user,
  roleName: AUTHZ.role,
});
const roleArn = (name = AUTHZ.role) => `acs:ram::${ACCOUNT}:role/${name}`;
/** Names RAM operations are given: the authorization share's own entities among them, so they collide. */
const ramNameValue = (param) => {
  if (chance(0.4)) return value();
  if (/Policy/.test(param))
    return pick([
      ...AUTHZ.policies,
      'AliyunKMSFullAccess',
      'AdministratorAccess',
      'AliyunKMSCryptoUserAccess',
      'p1',
    ]);
  if (/Group/.test(param)) return pick([AUTHZ.group, 'g1', 'g2']);
  if (/Role/.test(param)) return pick([AUTHZ.role, 'r1', 'R1']);
  return pick([AUTHZ.user, 'u1', 'u2', 'a.b@c_d-e']);
};
/** The kind of policy document a parameter carries, if any. */
function documentKind(product, op, name) {
  if (name === 'PolicyDocument') return 'Identity';
  if (name === 'AssumeRolePolicyDocument' || name === 'NewAssumeRolePolicyDocument') return 'Trust';
  if (name !== 'Policy') return undefined;
  if (product === STS) return 'Session';
  return /Secret/.test(op.name) ? 'SecretPolicy' : 'KeyPolicy';
}
/** A value for one parameter of a RAM or STS operation, or of a KMS policy parameter. */
function typedValue(product, op, p) {
  const kind = documentKind(product, op, p.name);
  if (kind) return chance(0.9) ? policies.document(kind) : value();
  if (product === KMS) return undefined;
  const n = p.name;
  if (/^(New)?(User|Group|Role|Policy)Name$/.test(n)) return ramNameValue(n);
  if (n === 'PolicyType') return pick(['Custom', 'System', 'custom', value()]);
  if (n === 'VersionId') return pick(['v1', 'v2', 'v5', 'v0', 'V1', value()]);
  if (n === 'Status') return pick(['Active', 'Inactive', value()]);
  if (n === 'RotateStrategy')
    return pick(['DeleteOldestNonDefaultVersionWhenLimitExceeded', 'None', value()]);
  if (n === 'RoleArn')
    return pick([roleArn(), roleArn('nope'), roleArn('R1'), 'acs:ram::1:role/x', `${roleArn()}/x`, value()]);
  if (n === 'RoleSessionName') return pick(['fuzz', 'a', 'bad name!', 'x'.repeat(65), 'é😀', value()]);
  if (/Duration/.test(n)) return pick(['900', '3600', '899', '43200', '43201', '-1', '1e3', ' 900', value()]);
  if (n === 'MaxItems') return pick(['1', '1000', '0', '1001', value()]);
  if (n === 'Marker') return pick(['MQ', 'LTE', '', value()]);
  return undefined;
}

function params(op, product = KMS) {
  const out = {};
  for (const p of op.params) {
    if (p.name === 'RegionId') {
      if (chance(0.9)) out.RegionId = chance(0.9) ? 'cn-hangzhou' : value();
      continue;
    }
    if (!p.required && chance(0.5)) continue;
    if (p.required && chance(0.05)) continue;
    if (p.type === 'array' && chance(0.4)) {
      const n = int(4);
      for (let i = 1; i <= n; i++) {
        if (p.itemType === 'object') {
          out[`${p.name}.${i}.Key`] = value();
          if (chance(0.7)) out[`${p.name}.${i}.Value`] = value();
        } else out[`${p.name}.${i}`] = value();
      }
      continue;
    }
    const typed = chance(0.8) ? typedValue(product, op, p) : undefined;
    if (typed !== undefined) out[p.name] = typed;
    else if (p.enum && chance(0.5)) out[p.name] = pick(p.enum);
    else out[p.name] = value();
  }
  if (chance(0.1)) out[value().slice(0, 40) || 'Extra'] = value();
  // A cut may split a surrogate pair; a client can only send (and sign) well-formed text.
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k.toWellFormed(), v.toWellFormed()]));
}

// --- request builders ----------------------------------------------------------------------------------
const now = () => `${new Date().toISOString().slice(0, 19)}Z`;
const query = (obj) =>
  Object.entries(obj)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');

function v1(action, p, method, version = KMS.version, cred = ROOT) {
  const all = {
    Format: chance(0.15) ? 'XML' : 'JSON',
    Version: chance(0.97) ? version : value(),
    AccessKeyId: chance(0.97) ? cred.ak : value(),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: chance(0.98) ? randomUUID() : '',
    Timestamp: chance(0.97) ? now() : value(),
    Action: action,
    ...p,
  };
  if (cred.token && chance(0.98)) all.SecurityToken = chance(0.97) ? cred.token : value();
  if (chance(0.02)) delete all.SignatureNonce;
  const signature = chance(0.97) ? v1Signature(cred.sk, v1StringToSign(method, all)) : value();
  return query({ ...all, Signature: signature });
}

function v3(action, p, body, contentType, version = KMS.version, cred = ROOT) {
  const headers = {
    host: HOST,
    'x-acs-action': action,
    'x-acs-version': version,
    'x-acs-date': chance(0.97) ? now() : value(),
    'x-acs-signature-nonce': randomUUID(),
    'x-acs-content-sha256': createHash('sha256').update(body).digest('hex'),
  };
  if (contentType) headers['content-type'] = contentType;
  if (cred.token && chance(0.98)) headers['x-acs-security-token'] = chance(0.97) ? cred.token : value();
  let signed = Object.keys(headers);
  if (chance(0.05)) signed = signed.filter(() => chance(0.6));
  const stringToSign = v3StringToSign(
    v3CanonicalRequest({
      method: 'POST',
      path: '/',
      query: p,
      headers,
      signedHeaders: signed,
      payloadHash: headers['x-acs-content-sha256'],
    }),
  );
  const signature = chance(0.97) ? v3Signature(cred.sk, stringToSign) : 'ab'.repeat(32);
  headers.authorization = chance(0.98)
    ? `ACS3-HMAC-SHA256 Credential=${cred.ak},SignedHeaders=${[...signed].sort().join(';')},Signature=${signature}`
    : `ACS3-HMAC-SHA256 ${value()}`;
  return { path: `/?${query(p)}`, headers };
}

const ENCODINGS = [
  'gzip',
  'deflate',
  'br',
  'gzip, gzip',
  'foo',
  'identity',
  'GZIP',
  ' , ',
  'gzip,br,deflate,gzip,gzip',
];
function encode(body, encoding) {
  if (chance(0.5)) return body; // claimed but not applied
  try {
    if (encoding.startsWith('gzip, gzip')) return gzipSync(gzipSync(body));
    if (encoding === 'gzip') return gzipSync(body);
    if (encoding === 'deflate') return deflateSync(body);
    if (encoding === 'br') return brotliCompressSync(body);
  } catch {}
  return body;
}

/**
 * One call of `product` (KMS unless said) with fuzzed parameters, signed by `cred` (the root pair
 * unless said); `p` replaces the fuzzed parameters, `opName` the random operation.
 */
function apiRequest(product = KMS, cred = ROOT, p = undefined, opName = undefined) {
  const productOps = product.ops;
  const op = opName ? productOps.find((o) => o.name === opName) : pick(productOps);
  const action =
    opName || chance(0.97) ? op.name : pick([value(), 'GetSecretValue', 'PutSecretValue', 'CreatePolicy']);
  p ??= params(op, product);
  // A policy document too long for a URL goes in a form body (a URL > 16 KB is refused with 431).
  const long = Object.values(p).reduce((n, v) => n + v.length, 0) > 12_000;
  const style = long && chance(0.9) ? 1 : int(3);
  const headers = {};
  let method = 'GET';
  let path = '/';
  let body = Buffer.alloc(0);
  if (style === 0) {
    path = `/?${v1(action, p, 'GET', product.version, cred)}`;
  } else if (style === 1) {
    method = 'POST';
    body = Buffer.from(v1(action, p, 'POST', product.version, cred));
    headers['content-type'] = chance(0.9)
      ? 'application/x-www-form-urlencoded'
      : pick(['application/x-www-form-urlencoded; charset=latin1', 'text/plain', 'application/json']);
  } else {
    method = 'POST';
    const formBody = chance(0.2) ? Buffer.from(query({ SecretData: value() })) : Buffer.alloc(0);
    const signed = v3(
      action,
      p,
      formBody,
      formBody.length ? 'application/x-www-form-urlencoded' : undefined,
      product.version,
      cred,
    );
    path = signed.path;
    Object.assign(headers, signed.headers);
    body = formBody;
  }
  // Mutations after signing.
  if (chance(0.05)) headers['x-acs-action'] = pick(productOps).name;
  if (chance(0.03)) headers['x-acs-version'] = value().slice(0, 100) || 'x';
  if (chance(0.05) && body.length > 0) {
    const encoding = pick(ENCODINGS);
    headers['content-encoding'] = encoding;
    body = encode(body, encoding);
  }
  if (chance(0.02)) path = `${path}&%ff=%zz&Signature=%&Lone=%ED%A0%80`;
  if (chance(0.01)) path = `/${pick(['%ff', '..', '_emulator', 'x?y=%'])}`;
  return { method, path, headers, body };
}

const CONTROL = [
  ['GET', '/health'],
  ['GET', '/operations'],
  ['GET', '/clock'],
  ['POST', '/clock'],
  ['GET', '/jobs'],
  ['GET', '/export'],
  ['GET', '/export?secrets=true&format=json'],
  ['POST', '/seed'],
  ['GET', '/faults'],
  ['POST', '/faults'],
  ['DELETE', '/faults/%ff'],
  ['DELETE', '/faults/fault-999'],
  ['GET', '/audit'],
  ['GET', '/audit?limit=5&offset=x'],
  ['GET', '/backing-resources'],
  ['POST', '/rds-instances'],
  ['POST', '/ram-users'],
  ['POST', '/ecs-instances'],
  ['DELETE', '/rds-instances/%ff'],
  ['DELETE', '/ecs-instances/%ff'],
  ['DELETE', '/ram-users/%ff'],
  ['POST', '/credentials/check'],
  ['GET', '/instances'],
  ['POST', '/instances/%ff/renew'],
  ['POST', '/instances/kst-x/renew'],
  ['GET', '/tls-certificate'],
  ['GET', '/nope'],
  ['PUT', '/clock'],
  ['POST', '/authorize'],
  ['GET', '/authorize/denials'],
  ['GET', '/authorize/denials?accessKeyId=%ff'],
  ['GET', '/authorize/suggest'],
  ['GET', '/authorize/suggest?accessKeyId=x'],
];
function controlBody(path) {
  const r = rand();
  if (path === '/clock') {
    return JSON.stringify(
      pick([
        { advance: pick(['1s', '300000y', '1e300', -1, 1e300, '48h', null, {}]) },
        { set: pick(['2030-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', 'x', 5]) },
        { freeze: true },
        { resume: true },
        {},
      ]),
    );
  }
  if (path === '/seed' && chance(0.5)) {
    // A seed's ram section: documents as text or as objects, names and shapes fuzzed.
    const doc = (kind) => {
      const text = policies.document(kind, 0.5);
      if (!chance(0.5)) return text;
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    };
    return JSON.stringify({
      ram: pick([
        { policies: [{ policyName: ramNameValue('PolicyName'), policyDocument: doc('Identity') }] },
        { roles: [{ roleName: ramNameValue('RoleName'), assumeRolePolicyDocument: doc('Trust') }] },
        {
          users: [
            { userName: ramNameValue('UserName'), policies: [{ policyName: pick(AUTHZ.policies) }, null, 5] },
          ],
        },
        { policies: [null, 5, { policyName: 5, policyDocument: null }], roles: 5, users: 'x', groups: [{}] },
      ]),
    });
  }
  if (path === '/faults') {
    // Never a well-formed rule: a rule would make the emulator answer 5xx on purpose.
    return pick([
      '[null]',
      'null',
      '5',
      '"x"',
      '{"rules":[null]}',
      '{"rules":5}',
      deep(10_000),
      '{"match":null}',
    ]);
  }
  if (r < 0.3)
    return JSON.stringify(
      Object.fromEntries(
        Array.from({ length: int(4) }, () => [
          pick(STRINGS).slice(0, 30),
          pick([null, 5, 'x', [], {}, [null], value()]),
        ]),
      ),
    );
  if (r < 0.5)
    return pick([
      '[null]',
      'null',
      '{',
      deep(10_000),
      deep(20_000, '{"a":', '}'),
      '{"Accounts":[null]}',
      '{"Users":5}',
      '{"AccessKeys":[null]}',
    ]);
  if (r < 0.6) return value();
  return '';
}
function controlRequest() {
  const [method, route] = pick(CONTROL);
  if (route === '/reset' || (route === '/seed' && chance(0.7))) return controlRequest();
  const body = method === 'GET' ? '' : controlBody(route);
  const headers = {};
  if (body || chance(0.5)) {
    headers['content-type'] = pick([
      'application/json',
      'application/json',
      'application/json',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'text/plain',
      'application/yaml',
      'application/x-www-form-urlencoded',
    ]);
  }
  let payload = Buffer.from(body);
  if (chance(0.05) && payload.length > 0) {
    const encoding = pick(ENCODINGS);
    headers['content-encoding'] = encoding;
    payload = encode(payload, encoding);
  }
  if (chance(0.03)) headers.origin = 'https://evil.example';
  if (chance(0.03)) headers['sec-fetch-site'] = 'cross-site';
  if (chance(0.03)) headers.host = 'attacker.example';
  return { method, path: `/_emulator${route}`, headers, body: payload };
}

// --- sending --------------------------------------------------------------------------------------------
const counts = new Map();
const count = (key) => counts.set(key, (counts.get(key) ?? 0) + 1);
let hung = 0;

/** Sends one request; resolves its status (or how it failed). `out.body` gets the answer when asked. */
function send(req, out = undefined) {
  return new Promise((resolve) => {
    // Node refuses to send a header with control characters or non-latin1 text: strip those.
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [
        k,
        String(v)
          .replace(/[^\t\x20-\x7e\x80-\xff]/g, '')
          .slice(0, 8000),
      ]),
    );
    if (req.body.length > 0) headers['content-length'] = String(req.body.length);
    const r = http.request(
      { host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent },
      (res) => {
        if (out) {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            out.body = Buffer.concat(chunks).toString('utf8');
          });
        } else res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          resolve(res.statusCode);
        });
      },
    );
    const timer = setTimeout(() => {
      hung += 1;
      failures.push({ kind: 'hang', request: summarize(req) });
      r.destroy();
      resolve('hang');
    }, TIMEOUT_MS);
    r.on('error', (error) => {
      clearTimeout(timer);
      resolve(`error:${error.code ?? error.message}`);
    });
    r.end(req.body);
  });
}

const RAW = [
  'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  'GET /?%ff HTTP/1.1\r\n\r\n',
  'BREW / HTTP/1.1\r\nHost: x\r\n\r\n',
  `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(300_000)}\r\n\r\n`,
  'GET /_emulator/health HTTP/1.0\r\n\r\n',
  '\u0000\u0001\u0002garbage\r\n\r\n',
  'POST /_emulator/clock HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"adv',
  'GET / HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc',
];
function rawSocket() {
  return new Promise((resolve) => {
    let data = '';
    const socket = net.connect(Number(port), '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('raw:timeout-closed');
    }, 300);
    socket.on('connect', () => socket.end(pick(RAW)));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1];
      if (status?.startsWith('5')) failures.push({ kind: '5xx', request: { raw: true }, status });
      resolve(status ? Number(status) : 'raw:closed');
    });
  });
}

function summarize(req) {
  return {
    method: req.method,
    path: req.path.slice(0, 300),
    headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v).slice(0, 200)])),
    body: req.body.toString('latin1').slice(0, 300),
  };
}

/** Sends a fuzz request and judges its answer: a 5xx is a failure. */
async function judged(req, out = undefined) {
  if (process.env.FUZZ_TRACE) console.error(JSON.stringify(summarize(req)).slice(0, 300));
  const status = await send(req, out);
  if (process.env.FUZZ_TRACE) console.error('->', status);
  if (typeof status === 'number' && status >= 500) {
    if (failures.length < 50) failures.push({ kind: '5xx', status, request: summarize(req) });
    else failures.push({ kind: '5xx', status });
  }
  return status;
}

// --- the authorization share ----------------------------------------------------------------------------
// A RAM user (its own policies and a group's), a role and its sessions, whose policies, trust policy,
// session policies, key and secret policies and the resources' tags are fuzzed documents the
// emulator accepted; they call KMS (and RAM) with fuzzed parameters and condition contexts (source
// address, tags, the virtual clock the control share moves), so the evaluator runs on them.

/** A request signed as a client would, without the fuzzer's mutations (for the set-up). */
function cleanRequest(product, action, p, cred = ROOT) {
  const all = {
    Format: 'JSON',
    Version: product.version,
    AccessKeyId: cred.ak,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: now(),
    Action: action,
    ...(cred.token ? { SecurityToken: cred.token } : {}),
    ...p,
  };
  const body = query({ ...all, Signature: v1Signature(cred.sk, v1StringToSign('POST', all)) });
  return {
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(body),
  };
}
async function cleanCall(product, action, p, cred = ROOT) {
  const out = {};
  const status = await judged(cleanRequest(product, action, p, cred), out);
  let json;
  try {
    json = JSON.parse(out.body ?? '');
  } catch {}
  return { status, json };
}

const TRUST = JSON.stringify({
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACCOUNT}:root`] } },
  ],
});
async function setUpAuthorization() {
  const must = async (product, action, p) => {
    const r = await cleanCall(product, action, p);
    if (r.status !== 200) throw new Error(`set-up ${action} answered ${r.status}: ${JSON.stringify(r.json)}`);
    return r.json;
  };
  await must(RAM, 'CreateUser', { UserName: AUTHZ.user });
  const { AccessKey } = await must(RAM, 'CreateAccessKey', { UserName: AUTHZ.user });
  AUTHZ.userCred = { ak: AccessKey.AccessKeyId, sk: AccessKey.AccessKeySecret };
  await must(RAM, 'CreateGroup', { GroupName: AUTHZ.group });
  await must(RAM, 'AddUserToGroup', { GroupName: AUTHZ.group, UserName: AUTHZ.user });
  await must(RAM, 'AttachPolicyToGroup', {
    GroupName: AUTHZ.group,
    PolicyType: 'System',
    PolicyName: 'AliyunKMSReadOnlyAccess',
  });
  await must(RAM, 'CreateRole', { RoleName: AUTHZ.role, AssumeRolePolicyDocument: TRUST });
  for (const [i, name] of AUTHZ.policies.entries()) {
    let status = 0;
    for (let tries = 0; status !== 200 && tries < 50; tries++) {
      ({ status } = await cleanCall(RAM, 'CreatePolicy', {
        PolicyName: name,
        PolicyDocument: policies.wellFormed('Identity'),
      }));
    }
    if (status !== 200) throw new Error(`set-up: no generated document of ${name} was accepted`);
    if (i < 2)
      await must(RAM, 'AttachPolicyToUser', { PolicyType: 'Custom', PolicyName: name, UserName: AUTHZ.user });
    await must(RAM, 'AttachPolicyToRole', { PolicyType: 'Custom', PolicyName: name, RoleName: AUTHZ.role });
  }
  const { KeyMetadata } = await must(KMS, 'CreateKey', {});
  AUTHZ.key = KeyMetadata.KeyId;
  await must(KMS, 'CreateAlias', { AliasName: 'alias/fuzz-authz', KeyId: AUTHZ.key });
  await must(KMS, 'CreateSecret', {
    SecretName: AUTHZ.secret,
    SecretData: 'fuzz',
    VersionId: 'v1',
    EncryptionKeyId: AUTHZ.key,
  });
  await assumeRole(undefined);
}

/** AssumeRole, keeping the session when it is granted. */
async function assumeRole(policy, cred = ROOT) {
  const p = { RoleArn: roleArn(), RoleSessionName: 'fuzz-session', DurationSeconds: '3600' };
  if (policy !== undefined) p.Policy = policy;
  const r = await cleanCall(STS, 'AssumeRole', p, cred);
  const c = r.json?.Credentials;
  if (r.status === 200 && c)
    AUTHZ.sessionCred = { ak: c.AccessKeyId, sk: c.AccessKeySecret, token: c.SecurityToken };
  return r.status;
}

const SOURCE_IPS = [
  '127.0.0.1',
  '10.1.2.3',
  '192.168.0.1',
  '::1',
  '::ffff:10.0.0.1',
  '2001:db8::1',
  'fe80::1%eth0',
  'not-an-ip',
  '',
  '999.1.1.1',
];
// Up to a whole request body (sent as a form: a URL holds 16 KB): evaluated before the operation
// refuses it, so every resource pattern of the caller's policies is matched against it.
const longArn = () =>
  `acs:kms:cn-hangzhou:${ACCOUNT}:key/${pick(['a', 'ab', 'a?', 'é'])
    .repeat(pick([100, 2000, 8000, 300_000]))
    .slice(0, 300_000)}${pick(['b', '', 'a'])}`;
/** A key reference for a RAM caller's KMS call: mostly the authorization share's own key. */
const keyRef = () =>
  pick([
    AUTHZ.key,
    AUTHZ.key,
    'alias/fuzz-authz',
    `acs:kms:cn-hangzhou:${ACCOUNT}:key/${AUTHZ.key}`,
    `acs:kms:cn-hangzhou:9999999999999999:key/${AUTHZ.key}`,
    longArn(),
    value(),
  ]);
const secretRef = () =>
  pick([
    AUTHZ.secret,
    AUTHZ.secret,
    `acs:kms:cn-hangzhou:${ACCOUNT}:secret/${AUTHZ.secret}`,
    `acs:kms:cn-hangzhou:${ACCOUNT}:secret/${'s'.repeat(3000)}`,
    value(),
  ]);
const TAG_VALUES = ['prod', 'dev', '', '127.0.0.1', '10.0.0.0/8', '2099-01-01T00:00:00Z', 'true', '5', 'é😀'];
const FAVOURED = [
  'Encrypt',
  'Decrypt',
  'GenerateDataKey',
  'DescribeKey',
  'GetSecretValue',
  'ListKeys',
  'ListSecrets',
  'CreateKey',
  'TagResource',
  'ReEncrypt',
  'SetKeyPolicy',
  'GetKeyPolicy',
  'BatchGetSecretValue',
  'CreateSecret',
];
const callerCred = () => (AUTHZ.sessionCred && chance(0.4) ? AUTHZ.sessionCred : AUTHZ.userCred);

/** A KMS call by the RAM user or the session, its resources mostly the share's own. */
function kmsCallAsCaller(cred) {
  const opName = chance(0.6) ? pick(FAVOURED) : pick(KMS.ops).name;
  const op = KMS.ops.find((o) => o.name === opName);
  const p = params(op);
  for (const param of op.params) {
    if (!chance(0.8)) continue;
    if (param.name === 'KeyId' || param.name === 'EncryptionKeyId' || param.name === 'DestinationKeyId')
      p[param.name] = keyRef();
    else if (param.name === 'SecretName') p[param.name] = secretRef();
    else if (param.name === 'Plaintext') p[param.name] = 'aGVsbG8=';
    else if (param.name === 'SecretNames') p[param.name] = JSON.stringify([secretRef(), secretRef()]);
    else if (param.name === 'ResourceId') p[param.name] = pick([AUTHZ.key, AUTHZ.secret, value()]);
  }
  return apiRequest(KMS, cred, p, opName);
}

/** The simulator (POST /_emulator/authorize), with a fuzzed condition context. */
function simulatorRequest() {
  const cred = callerCred();
  const body = { accessKeyId: chance(0.95) ? cred.ak : value() };
  if (chance(0.5)) {
    body.action = pick([
      'kms:Decrypt',
      'kms:GetSecretValue',
      'ram:CreateUser',
      'sts:AssumeRole',
      'KMS:*',
      value(),
    ]);
    body.resource = pick([longArn(), `acs:kms:cn-hangzhou:${ACCOUNT}:key/${AUTHZ.key}`, '*', value()]);
  } else {
    body.product = pick(['Kms', 'Ram', 'Sts', 'kms', 'x', 5]);
    body.operation = pick(['Decrypt', 'GetSecretValue', 'AssumeRole', 'CreateUser', 'Nope', '']);
    body.params = chance(0.8) ? { KeyId: keyRef(), SecretName: secretRef(), RoleArn: roleArn() } : value();
  }
  if (chance(0.8)) {
    body.context = {
      sourceIp: chance(0.9) ? pick(SOURCE_IPS) : 5,
      secureTransport: pick([true, false, 'true', null]),
      tags: chance(0.7)
        ? { env: pick(TAG_VALUES), [pick(['ip', 'expires', 'n', 'flag'])]: pick(TAG_VALUES) }
        : value(),
    };
  }
  return {
    method: 'POST',
    path: '/_emulator/authorize',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  };
}

let slowestAuthz = { ms: -1 };
async function authzRequest() {
  const r = rand();
  let kind;
  let req;
  if (r < 0.1) {
    kind = 'CreatePolicyVersion';
    req = apiRequest(
      RAM,
      ROOT,
      {
        PolicyName: pick(AUTHZ.policies),
        PolicyDocument: policies.document('Identity', 0.7),
        SetAsDefault: chance(0.9) ? 'true' : 'false',
        RotateStrategy: 'DeleteOldestNonDefaultVersionWhenLimitExceeded',
      },
      'CreatePolicyVersion',
    );
  } else if (r < 0.13) {
    kind = 'attach';
    const name = pick(AUTHZ.policies);
    req = pick([
      () =>
        apiRequest(
          RAM,
          ROOT,
          { PolicyType: 'Custom', PolicyName: name, UserName: AUTHZ.user },
          'AttachPolicyToUser',
        ),
      () =>
        apiRequest(
          RAM,
          ROOT,
          { PolicyType: 'Custom', PolicyName: name, RoleName: AUTHZ.role },
          'AttachPolicyToRole',
        ),
      () => apiRequest(RAM, ROOT, { GroupName: AUTHZ.group, UserName: AUTHZ.user }, 'AddUserToGroup'),
    ])();
  } else if (r < 0.18) {
    kind = 'AssumeRole';
    const policy = chance(0.8) ? policies.document('Session', 0.6) : undefined;
    const cred = chance(0.8) ? ROOT : AUTHZ.userCred;
    const started = performance.now();
    const status = await assumeRole(policy, cred);
    noteSlowest(kind, performance.now() - started, { assumeRole: true }, status);
    return status;
  } else if (r < 0.21) {
    kind = 'UpdateRole';
    const trust = chance(0.5) ? TRUST : policies.document('Trust', 0.6);
    req = apiRequest(RAM, ROOT, { RoleName: AUTHZ.role, NewAssumeRolePolicyDocument: trust }, 'UpdateRole');
  } else if (r < 0.25) {
    const secret = chance(0.4);
    kind = secret ? 'SetSecretPolicy' : 'SetKeyPolicy';
    req = apiRequest(
      KMS,
      ROOT,
      secret
        ? { SecretName: AUTHZ.secret, PolicyName: 'default', Policy: policies.document('SecretPolicy', 0.6) }
        : { KeyId: AUTHZ.key, PolicyName: 'default', Policy: policies.document('KeyPolicy', 0.6) },
      kind,
    );
  } else if (r < 0.27) {
    kind = 'TagResource';
    const tags = [
      { TagKey: pick(['env', 'ip', 'expires', 'n', 'flag', 'Team']), TagValue: pick(TAG_VALUES) },
    ];
    req = apiRequest(KMS, ROOT, { KeyId: AUTHZ.key, Tags: JSON.stringify(tags) }, 'TagResource');
  } else if (r < 0.33) {
    kind = 'simulator';
    req = simulatorRequest();
  } else if (r < 0.35) {
    kind = 'source-ip';
    await ask('source-ip', chance(0.2) ? undefined : pick(SOURCE_IPS));
    req = kmsCallAsCaller(callerCred());
  } else if (r < 0.4) {
    kind = 'ram-as-user';
    req = apiRequest(chance(0.8) ? RAM : STS, callerCred());
  } else {
    kind = 'kms-as-caller';
    req = kmsCallAsCaller(callerCred());
  }
  const started = performance.now();
  const status = await judged(req);
  noteSlowest(kind, performance.now() - started, req, status);
  return status;
}
/** The authorization share's answers by kind of request and status. */
const authzCounts = {};
function noteSlowest(kind, ms, req, status) {
  const byStatus = (authzCounts[kind] ??= {});
  byStatus[status ?? 'n/a'] = (byStatus[status ?? 'n/a'] ?? 0) + 1;
  // Answered requests only: a connection reset (a keep-alive socket closed under it) measures no work.
  if (typeof status !== 'number') return;
  if (ms <= slowestAuthz.ms) return;
  slowestAuthz = {
    ms: Math.round(ms * 10) / 10,
    kind,
    status,
    request: req.assumeRole ? 'AssumeRole' : summarize(req),
  };
}

async function one() {
  const r = rand();
  if (r < 0.01) return rawSocket();
  // Shares: KMS 70% (dominant, as before), RAM and STS 6%, authorization 10%, control plane 13%.
  if (r < 0.71) return judged(apiRequest());
  if (r < 0.77) return judged(apiRequest(chance(0.85) ? RAM : STS));
  if (r < 0.87) return authzRequest();
  return judged(controlRequest());
}

// Warm up (so "before" is a running emulator, not a cold one).
for (let i = 0; i < 200; i++)
  await send({ method: 'GET', path: '/_emulator/health', headers: {}, body: Buffer.alloc(0) });
const cold = await ask('memory');
// Like for like with `afterIdle`: the emulator as it started, after 6 s idle.
const coldIdle = await ask('memory-idle');
const mappingsCold = await ask('mappings');
await setUpAuthorization();
let nextSample = SAMPLE_EVERY;
async function worker(until) {
  while (issued < until && !crashed) {
    issued += 1;
    if (SAMPLE_EVERY > 0 && issued >= nextSample) {
      nextSample += SAMPLE_EVERY;
      const m = await ask('sample');
      console.error(
        `fuzz: ${issued} requests: emulator rss ${m.rss} MiB, heap ${m.heapUsed}/${m.heapTotal} MiB, ` +
          `audit ${m.audit} events, nonces ${m.nonces}`,
      );
    }
    try {
      count(String(await one()));
    } catch (error) {
      // A fault in the fuzzer itself, not in the emulator: stop and say so.
      console.error('fuzz: request generator failed:', error);
      process.exit(2);
    }
  }
}
const run = (until) => Promise.all(Array.from({ length: CONCURRENCY }, () => worker(until)));
// The warm-up: fuzz requests like the rest, so the "warm" start has loaded what loads on first use
// (Express for the control plane, the YAML library), compiled its hot code and used its young
// generation once; what grows after it grows with the number of requests.
await run(WARMUP);
const before = await ask('memory');
const mappingsBefore = await ask('mappings');
if (process.env.FUZZ_SNAPSHOTS) console.error('snapshot before:', await ask('snapshot'));
const started = performance.now();
const cpuBefore = await ask('cpu');
await run(WARMUP + TOTAL);
const cpuAfter = await ask('cpu');
const seconds = (performance.now() - started) / 1000;
// The authorization share again, one request at a time: under concurrency a request's time includes
// waiting behind the others in the emulator's one thread; alone, it is the emulator's own.
const slowestAuthzConcurrent = slowestAuthz;
slowestAuthz = { ms: -1 };
const ISOLATED = crashed ? 0 : Math.min(300, Math.ceil(TOTAL / 50));
for (let i = 0; i < ISOLATED; i++) count(String(await authzRequest()));
agent.destroy();
await new Promise((r) => setTimeout(r, 100));
const after = await ask('memory');
const mappingsAfter = await ask('mappings');
// The same once the emulator has been idle for 6 s, as it is when a test run's load stops: V8 then
// gives back most of its young generation at the next GC (32 MiB after load, 2 MiB idle).
const afterIdle = await ask('memory-idle');
if (process.env.FUZZ_SNAPSHOTS) console.error('snapshot after:', await ask('snapshot'));
const held = { ...(await ask('held')), heapUsedMiB: {} };
// What is left once the journal, the nonces and the resources the fuzz created are forgotten: a
// leak outside those would show here.
await ask('clear-audit');
held.heapUsedMiB.withoutAudit = (await ask('memory')).heapUsed;
await ask('forget-nonces');
held.heapUsedMiB.withoutAuditAndNonces = (await ask('memory')).heapUsed;
await ask('reset');
held.heapUsedMiB.afterReset = (await ask('memory')).heapUsed;
await ask('forget-policies');
held.heapUsedMiB.afterResetWithoutPolicyCache = (await ask('memory')).heapUsed;
if (process.env.FUZZ_SNAPSHOTS) console.error('snapshot after reset:', await ask('snapshot'));
await ask('close');

const ratio = (a, b) => Math.round((a / b) * 100) / 100;
// #12: "end within 1.5x of its starting RSS after a GC". Each pair is measured alike:
// - idle: the emulator as it started and as the run left it, each after 6 s idle and a GC. V8 sizes
//   its young generation by the recent allocation rate and gives it back once idle, so this is
//   what the process holds, start and end alike;
// - atOnce: right after load and a GC, from the warm start (after the warm-up) to the end: both
//   with the young generation the load grew (2 x 16 MiB).
// `coldAtOnce` mixes the two (a cold process at once, half its young generation grown, against
// the end at once): shown, not judged.
const rssMiB = {
  idle: { start: coldIdle.rss, end: afterIdle.rss, ratio: ratio(afterIdle.rss, coldIdle.rss) },
  atOnce: { start: before.rss, end: after.rss, ratio: ratio(after.rss, before.rss) },
  coldAtOnce: { start: cold.rss, end: after.rss, ratio: ratio(after.rss, cold.rss) },
};
const rssTooHigh =
  MAX_RSS_RATIO !== undefined && (rssMiB.idle.ratio > MAX_RSS_RATIO || rssMiB.atOnce.ratio > MAX_RSS_RATIO);
if (MAX_RSS_RATIO !== undefined) rssMiB.limit = { ratio: MAX_RSS_RATIO, met: !rssTooHigh };
const fiveXx = [...counts].filter(([s]) => /^5\d\d$/.test(s)).reduce((n, [, c]) => n + c, 0);
const byStatus = Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
console.log(
  JSON.stringify(
    {
      seed: args.seed,
      requests: issued,
      warmup: Math.min(WARMUP, issued),
      measured: Math.max(0, issued - WARMUP),
      seconds: Math.round(seconds * 10) / 10,
      // The emulator's CPU time (user + system, GC included) per measured request: unlike seconds,
      // hardly moved by other load on the machine.
      emulatorCpuMicrosPerRequest: Math.round(
        (cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / Math.max(1, issued - WARMUP),
      ),
      byStatus,
      fiveXx,
      // The slowest request of the authorization share (RAM callers, their fuzzed policies, the simulator).
      authorizationShare: authzCounts,
      slowestAuthorization: {
        concurrent: slowestAuthzConcurrent,
        isolated: { requests: ISOLATED, ...slowestAuthz },
      },
      hangs: hung,
      crashed,
      held,
      memoryMiB: { cold, coldIdle, warm: before, after, afterIdle },
      rssByMappingMiB: { coldIdle: mappingsCold, warm: mappingsBefore, after: mappingsAfter },
      rssMiB,
    },
    null,
    2,
  ),
);
if (failures.length > 0) {
  console.log('failures (first 10):');
  for (const f of failures.slice(0, 10)) console.log(JSON.stringify(f));
}
process.exit(fiveXx > 0 || hung > 0 || crashed || failures.length > 0 || rssTooHigh ? 1 : 0);
