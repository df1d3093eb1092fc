import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import type { Table } from '../store/store.js';
import type { VirtualClock } from './clock.js';
import { unwrapMaterial, wrapMaterial } from './crypto.js';
import { generateMaterial } from './key-specs.js';
import type { Random } from './random.js';

/**
 * GetChallenge: a fresh `Nonce` and a `ChallengeToken`, a JWT signed RS384 whose header is
 * `{"alg":"RS384","typ":"JWT"}` and whose payload carries the nonce and a Unix-time expiry, as the
 * docs' example shows (../shared/facts/instance-endpoint.md §5). The service signs with a key of its
 * own that it does not publish; the emulator signs with an RSA 2048 key of its own, made on first use
 * (as every RSA key here, by OpenSSL), kept in the store sealed under the master key (so it survives
 * a restart with the same --state), and published at GET /_emulator/challenge-key (PEM, or a JWK with
 * ?format=jwk) so a test can verify the token.
 */
const PARTITION = 'all';
const ID = 'rs384';
/** A token is valid for 5 minutes of virtual time (the docs give no lifetime: decided here). */
export const CHALLENGE_LIFETIME_SECONDS = 300;
/** Nonce: 32 random bytes, base64 (44 characters ending in `=`, like the docs' example). */
const NONCE_BYTES = 32;

interface StoredSigner {
  /** PKCS#8 DER of the RSA private key, wrapped under the master key. */
  wrappedKey: string;
}

export interface Challenge {
  nonce: string;
  token: string;
}

export class ChallengeSigner {
  private readonly table: Table<StoredSigner>;
  private cached?: { wrapped: string; privateKey: KeyObject; publicKey: KeyObject };

  constructor(
    store: { table<T>(name: string): Table<T> },
    private readonly random: Random,
    private readonly masterKey: Buffer,
    private readonly clock: VirtualClock,
  ) {
    this.table = store.table<StoredSigner>('challenge-signer');
  }

  private key(): { privateKey: KeyObject; publicKey: KeyObject } {
    let stored = this.table.peek(PARTITION, ID);
    if (!stored) {
      const material = generateMaterial('RSA_2048', this.random);
      stored = { wrappedKey: wrapMaterial(this.masterKey, material, this.random) };
      this.table.put(PARTITION, ID, stored);
    }
    // A reset (or a seed) replaces the stored key: the cache follows the stored record.
    if (this.cached?.wrapped !== stored.wrappedKey) {
      const privateKey = createPrivateKey({
        key: unwrapMaterial(this.masterKey, stored.wrappedKey),
        format: 'der',
        type: 'pkcs8',
      });
      this.cached = { wrapped: stored.wrappedKey, privateKey, publicKey: createPublicKey(privateKey) };
    }
    return this.cached;
  }

  challenge(): Challenge {
    const { privateKey } = this.key();
    const nonce = this.random.bytes(NONCE_BYTES).toString('base64');
    const now = Math.floor(this.clock.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'RS384', typ: 'JWT' }));
    const payload = base64url(JSON.stringify({ nonce, iat: now, exp: now + CHALLENGE_LIFETIME_SECONDS }));
    const signature = sign('sha384', Buffer.from(`${header}.${payload}`), privateKey);
    return { nonce, token: `${header}.${payload}.${signature.toString('base64url')}` };
  }

  publicKeyPem(): string {
    return this.key().publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** The public key as a JWK (RFC 7517) with its RFC 7638 thumbprint as `kid`. */
  publicJwk(): Record<string, string> {
    const { n, e } = this.key().publicKey.export({ format: 'jwk' }) as { n: string; e: string };
    const kid = createHash('sha256')
      .update(JSON.stringify({ e, kty: 'RSA', n }))
      .digest('base64url');
    return { kty: 'RSA', n, e, alg: 'RS384', use: 'sig', kid };
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
