/**
 * Addresses and CIDR blocks for `IpAddress` / `NotIpAddress` (facts §1: CIDR allowed, e.g.
 * `192.168.0.0/16`; facts §3.3: KMS examples use `/24`). IPv4 and IPv6; an IPv4-mapped IPv6 address
 * (`::ffff:10.0.0.1`, what a dual-stack Node socket reports) is treated as the IPv4 address.
 */
export interface IpAddress {
  readonly version: 4 | 6;
  readonly value: bigint;
}

export interface IpBlock {
  readonly version: 4 | 6;
  /** The network address (host bits cleared). */
  readonly network: bigint;
  readonly prefix: number;
}

const MAPPED_V4_HIGH = 0xffffn << 32n;

export function parseIpAddress(text: string): IpAddress | undefined {
  if (text.length > 45) return undefined;
  if (text.includes(':')) {
    const value = parseIpv6(text);
    if (value === undefined) return undefined;
    if (value >> 32n === 0xffffn) return { version: 4, value: value & 0xffffffffn };
    return { version: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { version: 4, value };
}

/** `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `addr/n`. A bare address is a block of one. */
export function parseIpBlock(text: string): IpBlock | undefined {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const address = parseIpAddress(addressText);
  if (!address) return undefined;
  // A block written in IPv6 notation stays IPv6 even when it is an IPv4-mapped one.
  const version: 4 | 6 = addressText.includes(':') && slash >= 0 ? 6 : address.version;
  const bits = version === 4 ? 32 : 128;
  let value = address.value;
  if (version === 6 && address.version === 4) value |= MAPPED_V4_HIGH;
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > bits) return undefined;
  }
  const hostBits = BigInt(bits - prefix);
  return { version, network: (value >> hostBits) << hostBits, prefix };
}

export function blockContains(block: IpBlock, address: IpAddress): boolean {
  let value = address.value;
  let version = address.version;
  if (block.version === 6 && version === 4) {
    value |= MAPPED_V4_HIGH;
    version = 6;
  }
  if (block.version !== version) return false;
  const hostBits = BigInt((version === 4 ? 32 : 128) - block.prefix);
  return value >> hostBits === block.network >> hostBits;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const zone = text.indexOf('%');
  const address = zone >= 0 ? text.slice(0, zone) : text;
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups: number[] = [];
  const readGroups = (parts: string[], into: number[], allowV4Tail: boolean): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (allowV4Tail && i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (v4 === undefined) return false;
        into.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return false;
      into.push(Number.parseInt(part, 16));
    }
    return true;
  };
  const tailGroups: number[] = [];
  if (!readGroups(head, groups, halves.length === 1)) return undefined;
  if (!readGroups(tail, tailGroups, true)) return undefined;
  if (halves.length === 1) {
    if (groups.length !== 8) return undefined;
  } else {
    const missing = 8 - groups.length - tailGroups.length;
    if (missing < 1) return undefined;
    for (let i = 0; i < missing; i++) groups.push(0);
    groups.push(...tailGroups);
  }
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}
