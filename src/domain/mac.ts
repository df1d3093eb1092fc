import { createHmac, timingSafeEqual } from 'node:crypto';
import { KmsError } from '../protocol/errors.js';
import { isMac, MAC_SPECS } from './key-specs.js';
import type { KeyRecord, KeyService } from './keys.js';

/** HMAC keys (RFC 2104): GenerateMac / VerifyMac with the key's primary version. */
export class MacKeys {
  constructor(private readonly keys: KeyService) {}

  private material(key: KeyRecord, algorithm: string, keyVersionId = key.primaryKeyVersion) {
    const spec = key.keySpec;
    if (!isMac(spec)) {
      throw new KmsError('InvalidParameter', `The key ${key.keyId} is not an HMAC key (KeySpec ${spec}).`);
    }
    const info = MAC_SPECS[spec];
    if (algorithm !== info.algorithm) {
      throw new KmsError(
        'InvalidParameter',
        `The specified parameter "Algorithm" is not valid: ${spec} computes ${info.algorithm}.`,
      );
    }
    const material = this.keys.versionMaterial(key, keyVersionId);
    if (!material)
      throw new KmsError('InvalidParameter', `The key ${key.keyId} has no version ${keyVersionId}.`);
    return { digest: info.digest, material };
  }

  generate(key: KeyRecord, algorithm: string, message: Buffer): Buffer {
    const { digest, material } = this.material(key, algorithm);
    return createHmac(digest, material).update(message).digest();
  }

  verify(key: KeyRecord, algorithm: string, message: Buffer, mac: Buffer): boolean {
    // Every version verifies: a MAC made before a rotation stays valid.
    return key.versions.some((version) => {
      const { digest, material } = this.material(key, algorithm, version.keyVersionId);
      const expected = createHmac(digest, material).update(message).digest();
      return expected.length === mac.length && timingSafeEqual(expected, mac);
    });
  }
}
