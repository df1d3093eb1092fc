import RPCClient from '@alicloud/pop-core';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, type Emulator } from '../../src/index.js';
import type { Body, kmsClient } from './client.js';

/**
 * The pop-core client of helpers/client.ts with a longer read timeout: CreateKey of an RSA key pair
 * generates a real RSA key, which can take seconds on a loaded machine (pop-core's default is 3 s).
 */
export function patientClient(emulator: Emulator): ReturnType<typeof kmsClient> {
  const client = new RPCClient({
    accessKeyId: DEFAULT_ACCESS_KEY_ID,
    accessKeySecret: DEFAULT_ACCESS_KEY_SECRET,
    endpoint: emulator.url,
    apiVersion: '2016-01-20',
  });
  const call = async (action: string, params: Record<string, unknown> = {}): Promise<Body> =>
    (await client.request(action, params, { method: 'POST', timeout: 30_000 })) as Body;
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
