import RPCClient from '@alicloud/pop-core';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, type Emulator } from '../../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field in tests
export type Body = Record<string, any>;

/** The official @alicloud/pop-core client pointed at an emulator; `fails` returns the error code. */
export function kmsClient(
  emulator: Emulator,
  options: { accessKeyId?: string; secret?: string; timeout?: number } = {},
) {
  const client = new RPCClient({
    accessKeyId: options.accessKeyId ?? DEFAULT_ACCESS_KEY_ID,
    accessKeySecret: options.secret ?? DEFAULT_ACCESS_KEY_SECRET,
    endpoint: emulator.url,
    apiVersion: '2016-01-20',
  });
  const call = async (action: string, params: Record<string, unknown> = {}): Promise<Body> =>
    (await client.request(action, params, { method: 'POST', timeout: options.timeout ?? 15_000 })) as Body;
  const fails = async (action: string, params: Record<string, unknown> = {}): Promise<string> => {
    try {
      await call(action, params);
    } catch (error) {
      return String((error as { code?: string }).code);
    }
    throw new Error(`${action} succeeded but was expected to fail`);
  };
  return { call, fails };
}

export async function advance(emulator: Emulator, by: string): Promise<Body> {
  const res = await fetch(`${emulator.url}/_emulator/clock`, {
    method: 'POST',
    headers: controlHeaders(emulator),
    body: JSON.stringify({ advance: by }),
  });
  return (await res.json()) as Body;
}

export async function control(
  emulator: Emulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<Body> {
  const res = await fetch(`${emulator.url}/_emulator/${path}`, {
    method,
    headers: controlHeaders(emulator),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as Body) };
}

/** JSON, plus the control token when the emulator was started with one. */
export function controlHeaders(emulator: Emulator): Record<string, string> {
  const token = emulator.options.controlToken;
  return { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
}
