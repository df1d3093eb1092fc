import { createHash, randomBytes } from 'node:crypto';

/**
 * The one source of randomness for the domain: IDs, request IDs, key material, IVs, passwords.
 * A seeded source makes all of them reproducible from run to run.
 */
export interface Random {
  bytes(size: number): Buffer;
}

/**
 * The system CSPRNG, drawn 4 KiB at a time: one call into the kernel serves many request IDs and
 * IVs. Each answer is a copy, and the drawn bytes are zeroed in the pool.
 */
export class SystemRandom implements Random {
  private pool = Buffer.alloc(0);
  private at = 0;

  bytes(size: number): Buffer {
    if (size > 512) return randomBytes(size);
    if (this.at + size > this.pool.length) {
      this.pool = randomBytes(4096);
      this.at = 0;
    }
    const out = Buffer.from(this.pool.subarray(this.at, this.at + size));
    this.pool.fill(0, this.at, this.at + size);
    this.at += size;
    return out;
  }
}

/** Deterministic stream: SHA-256(seed ‖ counter) blocks. Reproducible, not for production secrets. */
export class SeededRandom implements Random {
  private counter = 0n;
  private pool = Buffer.alloc(0);

  constructor(private readonly seed: string) {}

  bytes(size: number): Buffer {
    while (this.pool.length < size) {
      const block = createHash('sha256').update(`${this.seed}:${this.counter}`).digest();
      this.counter += 1n;
      this.pool = Buffer.concat([this.pool, block]);
    }
    const out = this.pool.subarray(0, size);
    this.pool = this.pool.subarray(size);
    return Buffer.from(out);
  }
}

/** Uniform integer in [0, max) by rejection sampling. */
export function randomInt(random: Random, max: number): number {
  if (max <= 0) throw new RangeError('max must be positive');
  const limit = Math.floor(0x100000000 / max) * max;
  for (;;) {
    const value = random.bytes(4).readUInt32BE(0);
    if (value < limit) return value % max;
  }
}

/** A version 4 UUID from 16 random bytes, lower-case (`upper`: upper-case, as request IDs are). */
export function randomUuid(random: Random, upper = false): string {
  const b = random.bytes(16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  // Character codes into one reused array, then one string: a request ID on every call should not
  // cost a hex string, five slices and their concatenation.
  const digits = upper ? UPPER_HEX : LOWER_HEX;
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) UUID_CODES[at++] = 45; // '-'
    const byte = b[i] as number;
    UUID_CODES[at++] = digits[byte >> 4] as number;
    UUID_CODES[at++] = digits[byte & 15] as number;
  }
  return String.fromCharCode.apply(null, UUID_CODES);
}

const LOWER_HEX = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));
const UPPER_HEX = [...'0123456789ABCDEF'].map((c) => c.charCodeAt(0));
const UUID_CODES: number[] = new Array(36).fill(0);
