import { describe, expect, it } from 'vitest';
import {
  blockContains,
  CONDITION_OPERATORS,
  compilePolicy,
  evaluate,
  parseDate,
  parseIpAddress,
  parseIpBlock,
  type RequestContext,
} from '../src/domain/authorization/index.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');

/** The decision for kms:Decrypt by a RAM user whose only policy allows it under `condition`. */
function decide(condition: Record<string, unknown>, context: Partial<RequestContext> = {}) {
  const policy = compilePolicy(
    JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: condition }],
    }),
    'Identity',
  );
  return evaluate({
    principal: { type: 'SubUser', accountId: '100', userName: 'alice' },
    action: 'kms:Decrypt',
    resource: 'acs:kms:cn-hangzhou:100:key/k1',
    context: { currentTime: NOW, ...context },
    identityPolicies: [{ name: 'conditional', type: 'Custom', policy }],
  });
}
const allowed = (condition: Record<string, unknown>, context: Partial<RequestContext> = {}) =>
  decide(condition, context).decision === 'Allow';

describe('conditions: the documented operators', () => {
  it('knows exactly the five families of facts §1', () => {
    expect([...CONDITION_OPERATORS].sort()).toEqual(
      [
        'StringEquals',
        'StringNotEquals',
        'StringEqualsIgnoreCase',
        'StringNotEqualsIgnoreCase',
        'StringLike',
        'StringNotLike',
        'NumericEquals',
        'NumericNotEquals',
        'NumericLessThan',
        'NumericLessThanEquals',
        'NumericGreaterThan',
        'NumericGreaterThanEquals',
        'DateEquals',
        'DateNotEquals',
        'DateLessThan',
        'DateLessThanEquals',
        'DateGreaterThan',
        'DateGreaterThanEquals',
        'Bool',
        'IpAddress',
        'NotIpAddress',
      ].sort(),
    );
  });
});

describe('String operators', () => {
  const vpc = (value: string) => ({ values: { 'acs:SourceVpc': value } });
  it('StringEquals / StringNotEquals are case-sensitive', () => {
    expect(allowed({ StringEquals: { 'acs:SourceVpc': 'vpc-1' } }, vpc('vpc-1'))).toBe(true);
    expect(allowed({ StringEquals: { 'acs:SourceVpc': 'vpc-1' } }, vpc('VPC-1'))).toBe(false);
    expect(allowed({ StringNotEquals: { 'acs:SourceVpc': 'vpc-1' } }, vpc('VPC-1'))).toBe(true);
    expect(allowed({ StringNotEquals: { 'acs:SourceVpc': ['vpc-1', 'vpc-2'] } }, vpc('vpc-2'))).toBe(false);
  });
  it('StringEqualsIgnoreCase / StringNotEqualsIgnoreCase ignore case', () => {
    expect(allowed({ StringEqualsIgnoreCase: { 'acs:SourceVpc': 'VPC-1' } }, vpc('vpc-1'))).toBe(true);
    expect(allowed({ StringNotEqualsIgnoreCase: { 'acs:SourceVpc': 'VPC-1' } }, vpc('vpc-1'))).toBe(false);
    expect(allowed({ StringNotEqualsIgnoreCase: { 'acs:SourceVpc': 'VPC-1' } }, vpc('vpc-2'))).toBe(true);
  });
  it('StringLike / StringNotLike take * and ? and are case-sensitive', () => {
    expect(allowed({ StringLike: { 'acs:SourceVpc': 'vpc-*' } }, vpc('vpc-abc'))).toBe(true);
    expect(allowed({ StringLike: { 'acs:SourceVpc': 'vpc-?' } }, vpc('vpc-ab'))).toBe(false);
    expect(allowed({ StringLike: { 'acs:SourceVpc': 'vpc-*' } }, vpc('VPC-abc'))).toBe(false);
    expect(allowed({ StringNotLike: { 'acs:SourceVpc': 'vpc-prod*' } }, vpc('vpc-dev1'))).toBe(true);
    expect(allowed({ StringNotLike: { 'acs:SourceVpc': 'vpc-prod*' } }, vpc('vpc-prod1'))).toBe(false);
  });
  it('several values of one key OR; several keys AND; several operators AND', () => {
    const context = { values: { 'acs:SourceVpc': 'vpc-2', 'acs:Team': 'a' } };
    expect(allowed({ StringEquals: { 'acs:SourceVpc': ['vpc-1', 'vpc-2'] } }, context)).toBe(true);
    expect(allowed({ StringEquals: { 'acs:SourceVpc': 'vpc-2', 'acs:Team': 'b' } }, context)).toBe(false);
    expect(allowed({ StringEquals: { 'acs:SourceVpc': 'vpc-2', 'acs:Team': 'a' } }, context)).toBe(true);
    expect(
      allowed({ StringEquals: { 'acs:SourceVpc': 'vpc-2' }, StringLike: { 'acs:Team': 'z*' } }, context),
    ).toBe(false);
  });
  it('matches condition keys case-insensitively, both ways', () => {
    expect(allowed({ StringEquals: { 'ACS:SOURCEVPC': 'vpc-1' } }, vpc('vpc-1'))).toBe(true);
    expect(
      allowed({ stringequals: { 'acs:sourcevpc': 'vpc-1' } }, { values: { 'Acs:SourceVPC': 'vpc-1' } }),
    ).toBe(true);
  });
  it('a missing key fails a positive operator and satisfies a negated one', () => {
    expect(allowed({ StringEquals: { 'acs:SourceVpc': 'vpc-1' } })).toBe(false);
    expect(allowed({ StringNotEquals: { 'acs:SourceVpc': 'vpc-1' } })).toBe(true);
    expect(allowed({ StringNotLike: { 'acs:SourceVpc': '*' } })).toBe(true);
    expect(allowed({ NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } })).toBe(true);
  });
  it('kms:tag/<TagKey> reads the resource’s tags, the facts’ StringEqualsIgnoreCase example included', () => {
    const condition = { StringEqualsIgnoreCase: { 'kms:tag/Project': ['Apollo'] } };
    expect(allowed(condition, { resourceTags: { Project: 'apollo' } })).toBe(true);
    expect(allowed(condition, { resourceTags: { Project: 'Gemini' } })).toBe(false);
    expect(allowed(condition, { resourceTags: {} })).toBe(false);
    expect(allowed(condition)).toBe(false);
  });
});

describe('Numeric operators', () => {
  const n = (value: string) => ({ values: { 'acs:Count': value } });
  it('compare numbers, written bare or as strings', () => {
    expect(allowed({ NumericEquals: { 'acs:Count': 5 } }, n('5'))).toBe(true);
    expect(allowed({ NumericEquals: { 'acs:Count': '5.0' } }, n('5'))).toBe(true);
    expect(allowed({ NumericNotEquals: { 'acs:Count': 5 } }, n('6'))).toBe(true);
    expect(allowed({ NumericNotEquals: { 'acs:Count': 5 } }, n('5'))).toBe(false);
    expect(allowed({ NumericLessThan: { 'acs:Count': 5 } }, n('4.9'))).toBe(true);
    expect(allowed({ NumericLessThan: { 'acs:Count': 5 } }, n('5'))).toBe(false);
    expect(allowed({ NumericLessThanEquals: { 'acs:Count': 5 } }, n('5'))).toBe(true);
    expect(allowed({ NumericGreaterThan: { 'acs:Count': -1 } }, n('0'))).toBe(true);
    expect(allowed({ NumericGreaterThan: { 'acs:Count': 0 } }, n('0'))).toBe(false);
    expect(allowed({ NumericGreaterThanEquals: { 'acs:Count': '1e3' } }, n('1000'))).toBe(true);
  });
  it('a request value that is no number leaves the statement unevaluated (and not allowing)', () => {
    const decision = decide({ NumericLessThan: { 'acs:Count': 5 } }, n('many'));
    expect(decision.decision).toBe('ImplicitDeny');
    expect(decision.unevaluated).toEqual([
      expect.objectContaining({
        policy: 'conditional',
        statement: 0,
        reason: expect.stringContaining('NumericLessThan'),
      }),
    ]);
  });
});

describe('Date operators', () => {
  it('compare acs:CurrentTime (the clock passed in) with ISO 8601 dates', () => {
    expect(allowed({ DateLessThan: { 'acs:CurrentTime': '2026-12-31T00:00:00Z' } })).toBe(true);
    expect(allowed({ DateLessThan: { 'acs:CurrentTime': '2026-12-06T12:00:00Z' } })).toBe(false);
    expect(allowed({ DateLessThanEquals: { 'acs:CurrentTime': '2026-12-06T12:00:00Z' } })).toBe(true);
    expect(allowed({ DateGreaterThan: { 'acs:CurrentTime': '2026-12-06T11:59:59Z' } })).toBe(true);
    expect(allowed({ DateGreaterThanEquals: { 'acs:CurrentTime': '2026-12-06T12:00:01Z' } })).toBe(false);
    expect(allowed({ DateEquals: { 'acs:CurrentTime': '2026-12-06T12:00:00Z' } })).toBe(true);
    expect(allowed({ DateNotEquals: { 'acs:CurrentTime': '2026-12-06T12:00:00Z' } })).toBe(false);
  });
  it('moves with the clock value, not the machine’s', () => {
    const condition = { DateLessThan: { 'acs:CurrentTime': '2026-12-07T00:00:00Z' } };
    expect(allowed(condition, { currentTime: Date.parse('2026-12-06T23:59:59Z') })).toBe(true);
    expect(allowed(condition, { currentTime: Date.parse('2026-12-07T00:00:00Z') })).toBe(false);
  });
  it('reads offsets, date-only values and epoch seconds', () => {
    expect(allowed({ DateEquals: { 'acs:CurrentTime': '2026-12-06T20:00:00+08:00' } })).toBe(true);
    expect(allowed({ DateEquals: { 'acs:CurrentTime': '2026-12-06T20:00:00+0800' } })).toBe(true);
    expect(allowed({ DateGreaterThan: { 'acs:CurrentTime': '2026-12-06' } })).toBe(true);
    expect(allowed({ DateEquals: { 'acs:CurrentTime': NOW / 1000 } })).toBe(true);
    expect(allowed({ DateLessThan: { 'acs:CurrentTime': String(NOW / 1000) } })).toBe(false);
    expect(parseDate('2026-12-06T12:00:00')).toBe(NOW);
    expect(parseDate('2026-12-06T12:00:00.500Z')).toBe(NOW + 500);
    expect(parseDate('12/06/2026')).toBeUndefined();
  });
});

describe('Bool', () => {
  it('acs:SecureTransport follows the listener, acs:MFAPresent is false', () => {
    expect(allowed({ Bool: { 'acs:SecureTransport': 'true' } }, { secureTransport: true })).toBe(true);
    expect(allowed({ Bool: { 'acs:SecureTransport': true } }, { secureTransport: false })).toBe(false);
    expect(allowed({ Bool: { 'acs:SecureTransport': 'FALSE' } })).toBe(true);
    expect(allowed({ Bool: { 'acs:MFAPresent': 'true' } })).toBe(false);
    expect(allowed({ Bool: { 'acs:MFAPresent': 'false' } })).toBe(true);
  });
});

describe('IpAddress / NotIpAddress', () => {
  const from = (sourceIp: string) => ({ sourceIp });
  it('IPv4 addresses and CIDR blocks', () => {
    expect(allowed({ IpAddress: { 'acs:SourceIp': '192.168.0.0/16' } }, from('192.168.3.4'))).toBe(true);
    expect(allowed({ IpAddress: { 'acs:SourceIp': '192.168.0.0/16' } }, from('192.169.0.1'))).toBe(false);
    expect(allowed({ IpAddress: { 'acs:SourceIp': '10.0.0.1' } }, from('10.0.0.1'))).toBe(true);
    expect(allowed({ IpAddress: { 'acs:SourceIp': '10.0.0.1' } }, from('10.0.0.2'))).toBe(false);
    expect(allowed({ IpAddress: { 'acs:SourceIp': '0.0.0.0/0' } }, from('8.8.8.8'))).toBe(true);
    expect(
      allowed({ IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '172.16.0.0/12'] } }, from('172.31.255.255')),
    ).toBe(true);
    expect(allowed({ NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } }, from('11.0.0.1'))).toBe(true);
    expect(allowed({ NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } }, from('10.9.9.9'))).toBe(false);
  });
  it('a host-bits-set block means its network', () => {
    expect(allowed({ IpAddress: { 'acs:SourceIp': '192.168.1.77/24' } }, from('192.168.1.1'))).toBe(true);
  });
  it('IPv6 addresses and blocks, compressed or not', () => {
    expect(allowed({ IpAddress: { 'acs:SourceIp': '2001:db8::/32' } }, from('2001:db8:1::5'))).toBe(true);
    expect(allowed({ IpAddress: { 'acs:SourceIp': '2001:db8::/32' } }, from('2001:db9::1'))).toBe(false);
    expect(allowed({ IpAddress: { 'acs:SourceIp': '::1' } }, from('0:0:0:0:0:0:0:1'))).toBe(true);
    expect(allowed({ IpAddress: { 'acs:SourceIp': 'fe80::/10' } }, from('FE80::1%eth0'))).toBe(true);
    expect(allowed({ IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } }, from('2001:db8::1'))).toBe(false);
  });
  it('an IPv4-mapped IPv6 caller (dual-stack sockets) is its IPv4 address', () => {
    expect(allowed({ IpAddress: { 'acs:SourceIp': '127.0.0.0/8' } }, from('::ffff:127.0.0.1'))).toBe(true);
    expect(allowed({ IpAddress: { 'acs:SourceIp': '::ffff:0:0/96' } }, from('10.1.2.3'))).toBe(true);
  });
  it('a caller address that is no IP leaves the statement unevaluated', () => {
    const decision = decide({ IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } }, from('not-an-ip'));
    expect(decision.decision).toBe('ImplicitDeny');
    expect(decision.unevaluated[0]?.reason).toContain('IP address');
  });
  it('parses and refuses addresses strictly', () => {
    expect(parseIpAddress('1.2.3')).toBeUndefined();
    expect(parseIpAddress('1.2.3.256')).toBeUndefined();
    expect(parseIpAddress('1::2::3')).toBeUndefined();
    expect(parseIpAddress('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIpAddress('::ffff:1.2.3.4')).toEqual({ version: 4, value: 0x01020304n });
    expect(parseIpBlock('2001:db8::/129')).toBeUndefined();
    const block = parseIpBlock('2001:db8::/127');
    const address = parseIpAddress('2001:db8::1');
    expect(block && address && blockContains(block, address)).toBe(true);
  });
});

describe('decision conditions (for AuthConditions)', () => {
  it('lists the request values of the keys the statements tested', () => {
    const decision = decide({ IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } }, { sourceIp: '192.0.2.1' });
    expect(decision.conditions).toEqual([{ key: 'acs:sourceip', values: ['192.0.2.1'] }]);
  });
});
