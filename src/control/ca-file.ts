import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `kms-emulator ca --url U`: the CA certificate a running emulator serves at
 * /_emulator/tls-certificate, written to a file (Python's clients take a path), so a recipe finds
 * the CA of the emulator it talks to whatever --state that one was started with.
 */
export async function fetchRunningCa(
  url: string,
  dir: string,
  controlToken?: string,
): Promise<{ path: string; pem: string }> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(`--url ${url} is not a URL (e.g. http://127.0.0.1:8080).`);
  }
  const res = await fetch(new URL('/_emulator/tls-certificate', base), {
    headers: controlToken ? { authorization: `Bearer ${controlToken}` } : {},
  });
  const body = await res.text();
  if (res.status === 404)
    throw new Error(`the emulator at ${base.origin} has no TLS listener (--https-port).`);
  if (!res.ok || !body.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`${base.origin}/_emulator/tls-certificate answered ${res.status}: ${body.slice(0, 200)}`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `ca-${base.hostname.replace(/[^A-Za-z0-9.-]/g, '_')}-${base.port || '80'}.pem`);
  writeFileSync(path, body, { mode: 0o644 });
  return { path, pem: body };
}
