// The V1 (HMAC-SHA1) signed query string of a POP RPC call, as the benchmark scripts send it: a fresh
// nonce and timestamp each call. Shared by scripts/bench.mjs and scripts/bench-inprocess.mjs.
import { createHmac, randomUUID } from 'node:crypto';

const enc = (v) =>
  encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `canonical&Signature=…` for a GET of `action` with `extra` parameters. */
export function v1SignedQuery(accessKeyId, secret, action, extra = {}) {
  const p = {
    Format: 'JSON',
    Version: '2016-01-20',
    AccessKeyId: accessKeyId,
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
  const signature = createHmac('sha1', `${secret}&`)
    .update(`GET&%2F&${enc(canonical)}`)
    .digest('base64');
  return `${canonical}&Signature=${enc(signature)}`;
}
