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

export function randomUuid(random: Random): string {
  const b = random.bytes(16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
