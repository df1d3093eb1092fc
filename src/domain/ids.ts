import { customRandom } from 'nanoid';
import { type Random, randomUuid } from './random.js';

const LOWER_ALNUM = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Resource identifiers in the shapes the real service uses, drawn from the injected random source. */
export class IdFactory {
  private readonly suffix: () => string;

  constructor(private readonly random: Random) {
    this.suffix = customRandom(LOWER_ALNUM, 21, (size) => new Uint8Array(random.bytes(size)));
  }

  uuid(): string {
    return randomUuid(this.random);
  }

  requestId(): string {
    return randomUuid(this.random, true);
  }

  /** `key-hzz62f1cb66fa42qo…` style: prefix, region abbreviation, random suffix. */
  prefixed(prefix: string, regionId: string): string {
    return `${prefix}-${regionAbbreviation(regionId)}${this.suffix()}`;
  }
}

/** cn-hangzhou → hzz, ap-southeast-1 → aps1 … a short, stable tag like the real IDs carry. */
export function regionAbbreviation(regionId: string): string {
  const parts = regionId.split('-');
  const city = parts[1] ?? regionId;
  const digits = parts.slice(2).join('');
  return `${city.slice(0, 2)}${(parts[0] ?? 'x').slice(-1)}${digits}`.toLowerCase();
}
