import type { Emulator } from '../../src/index.js';
import { kmsClient } from './client.js';

/**
 * The pop-core client of helpers/client.ts with a longer read timeout: CreateKey of an RSA key pair
 * generates a real RSA key, which can take seconds on a loaded machine (pop-core's default is 3 s).
 */
export function patientClient(emulator: Emulator): ReturnType<typeof kmsClient> {
  return kmsClient(emulator, { timeout: 30_000 });
}
