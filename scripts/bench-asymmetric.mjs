#!/usr/bin/env node
// Figures for key pairs and HMAC keys (printed, never a timed test): CreateKey latency per spec (the
// first RSA key of a size is generated in the request, later ones come from the spare made in the
// background), and AsymmetricSign / GenerateMac latency through the official pop-core client.
// Run: npm run build && node scripts/bench-asymmetric.mjs
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { startEmulator } from '../dist/index.js';

const require = createRequire(import.meta.url);
const RPCClient = require('@alicloud/pop-core');

const emulator = await startEmulator({ env: {} });
const client = new RPCClient({
  accessKeyId: 'LTAIEmulatorAccessKeyId',
  accessKeySecret: 'EmulatorAccessKeySecret',
  endpoint: emulator.url,
  apiVersion: '2016-01-20',
});
const call = (action, params) => client.request(action, params, { method: 'POST', timeout: 60_000 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed(fn) {
  const start = process.hrtime.bigint();
  const out = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, out };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  for (const spec of ['EC_P256', 'EC_SM2', 'HMAC_SHA_256', 'RSA_2048', 'RSA_3072']) {
    const times = [];
    for (let i = 0; i < 4; i++) {
      times.push((await timed(() => call('CreateKey', { KeySpec: spec }))).ms);
      await sleep(spec.startsWith('RSA') ? 4000 : 0); // let the background spare finish
    }
    console.log(
      `CreateKey ${spec.padEnd(12)} first ${times[0].toFixed(0).padStart(5)} ms, then median ${median(times.slice(1)).toFixed(1)} ms`,
    );
  }
  const digest = createHash('sha256').update('bench').digest('base64');
  for (const [spec, algorithm] of [
    ['EC_P256', 'ECDSA_SHA_256'],
    ['EC_SM2', 'SM2DSA'],
    ['RSA_2048', 'RSA_PSS_SHA_256'],
  ]) {
    const meta = (await call('CreateKey', { KeySpec: spec })).KeyMetadata;
    const params = {
      KeyId: meta.KeyId,
      KeyVersionId: meta.PrimaryKeyVersion,
      Algorithm: algorithm,
      Digest: digest,
    };
    const times = [];
    for (let i = 0; i < 200; i++) times.push((await timed(() => call('AsymmetricSign', params))).ms);
    console.log(
      `AsymmetricSign ${algorithm.padEnd(16)} median ${median(times).toFixed(2)} ms over 200 calls`,
    );
  }
  const mac = (await call('CreateKey', { KeySpec: 'HMAC_SHA_256' })).KeyMetadata.KeyId;
  const times = [];
  for (let i = 0; i < 200; i++) {
    times.push(
      (await timed(() => call('GenerateMac', { KeyId: mac, Algorithm: 'HMAC_SHA_256', Message: digest }))).ms,
    );
  }
  console.log(`GenerateMac HMAC_SHA_256     median ${median(times).toFixed(2)} ms over 200 calls`);
} finally {
  await emulator.close();
}
