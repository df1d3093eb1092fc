import { describe, expect, it } from 'vitest';
import {
  CompiledPolicyCache,
  compilePolicy,
  compileWildcard,
  evaluate,
  POLICY_BOUNDS,
  PolicyDocumentError,
  type PolicyDocumentKind,
} from '../src/domain/authorization/index.js';

const allow = (action: unknown, resource: unknown = '*') => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
});
const doc = (...statements: unknown[]) => JSON.stringify({ Version: '1', Statement: statements });

function refusal(input: string | object, kind: PolicyDocumentKind = 'Identity'): PolicyDocumentError {
  try {
    compilePolicy(input, kind);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyDocumentError);
    return error as PolicyDocumentError;
  }
  throw new Error('the document was accepted');
}

describe('policy documents: what is accepted', () => {
  it('takes Statement as one object or a list, Action/Resource as a string or a list', () => {
    const single = compilePolicy(
      JSON.stringify({ Version: '1', Statement: allow('kms:Decrypt', 'acs:kms:*:*:key/*') }),
      'Identity',
    );
    expect(single.statements).toHaveLength(1);
    expect(single.document).toEqual({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['acs:kms:*:*:key/*'] }],
    });
    const listed = compilePolicy(
      doc(allow(['kms:Encrypt', 'kms:Decrypt'], ['*']), allow('kms:List*')),
      'Identity',
    );
    expect(listed.statements.map((s) => s.index)).toEqual([0, 1]);
  });

  it('is immutable once compiled', () => {
    const policy = compilePolicy(doc(allow('kms:Decrypt')), 'Identity');
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.statements[0])).toBe(true);
    expect(() => (policy.statements as unknown[]).push({})).toThrow();
  });

  it('accepts NotAction and NotResource with their negated meaning', () => {
    const policy = compilePolicy(
      doc({ Effect: 'Allow', NotAction: 'kms:Decrypt', NotResource: 'acs:kms:*:*:key/secret-key' }),
      'Identity',
    );
    const principal = { type: 'SubUser', accountId: '1', userName: 'u' } as const;
    const attempt = (action: string, resource: string) =>
      evaluate({
        principal,
        action,
        resource,
        context: { currentTime: 0 },
        identityPolicies: [{ name: 'p', type: 'Custom', policy }],
      }).decision;
    expect(attempt('kms:Encrypt', 'acs:kms:cn-hangzhou:1:key/k1')).toBe('Allow');
    expect(attempt('kms:Decrypt', 'acs:kms:cn-hangzhou:1:key/k1')).toBe('ImplicitDeny');
    expect(attempt('kms:Encrypt', 'acs:kms:*:*:key/secret-key')).toBe('ImplicitDeny');
  });

  it('accepts the documented principal forms in trust policies and RAM principals in key policies', () => {
    const trust = compilePolicy(
      doc({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: {
          RAM: ['acs:ram::1234:root', 'acs:ram::5678:user/alice'],
          Service: 'ecs.aliyuncs.com',
          Federated: 'acs:ram::1234:saml-provider/idp',
        },
      }),
      'Trust',
    );
    expect(trust.statements[0]?.principal?.accounts.has('1234')).toBe(true);
    expect(trust.statements[0]?.principal?.services.has('ecs.aliyuncs.com')).toBe(true);
    const key = compilePolicy(
      doc({
        Sid: 'kms default key policy',
        Effect: 'Allow',
        Principal: { RAM: ['acs:ram::1234:*'] },
        Action: ['kms:*'],
        Resource: ['*'],
      }),
      'KeyPolicy',
    );
    expect(key.statements[0]?.principal?.accountWildcards.has('1234')).toBe(true);
  });
});

describe('policy documents: what is refused, with which code', () => {
  const cases: [string, string | object, PolicyDocumentKind, string][] = [
    ['malformed JSON', '{"Version": "1", "Statement": [', 'Identity', 'MalformedPolicyDocument'],
    ['not an object', '[1, 2]', 'Identity', 'MalformedPolicyDocument'],
    [
      'Version 2',
      JSON.stringify({ Version: '2', Statement: [allow('kms:*')] }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'Version as a number',
      JSON.stringify({ Version: 1, Statement: [allow('kms:*')] }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    ['no Statement', JSON.stringify({ Version: '1' }), 'Identity', 'MalformedPolicyDocument'],
    ['an empty statement list', doc(), 'Identity', 'MalformedPolicyDocument'],
    [
      'an unknown top-level element',
      JSON.stringify({ Version: '1', Statement: [allow('kms:*')], Id: 'x' }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'Effect maybe',
      doc({ Effect: 'Maybe', Action: 'kms:*', Resource: '*' }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'Effect lower-case',
      doc({ Effect: 'allow', Action: 'kms:*', Resource: '*' }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'both Action and NotAction',
      doc({ Effect: 'Allow', Action: 'kms:*', NotAction: 'kms:Decrypt', Resource: '*' }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'neither Action nor NotAction',
      doc({ Effect: 'Allow', Resource: '*' }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    ['an action without its service', doc(allow('Decrypt')), 'Identity', 'MalformedPolicyDocument'],
    ['a number as action', doc(allow(42)), 'Identity', 'MalformedPolicyDocument'],
    ['an empty action list', doc(allow([])), 'Identity', 'MalformedPolicyDocument'],
    ['a resource that is not an ARN', doc(allow('kms:*', 'key/abc')), 'Identity', 'MalformedPolicyDocument'],
    ['no Resource', doc({ Effect: 'Allow', Action: 'kms:*' }), 'Identity', 'MalformedPolicyDocument'],
    [
      'a Principal in an identity policy',
      doc({ ...allow('kms:*'), Principal: { RAM: '*' } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'an unknown statement element',
      doc({ ...allow('kms:*'), Effects: 'Allow' }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'an unknown condition operator',
      doc({ ...allow('kms:*'), Condition: { StringMatches: { 'acs:SourceIp': 'x' } } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'an IfExists operator (undocumented for RAM)',
      doc({ ...allow('kms:*'), Condition: { StringEqualsIfExists: { 'acs:SourceVpc': 'vpc-1' } } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'a condition key without its service',
      doc({ ...allow('kms:*'), Condition: { StringEquals: { SourceIp: 'x' } } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'Bool with two values',
      doc({ ...allow('kms:*'), Condition: { Bool: { 'acs:SecureTransport': ['true', 'false'] } } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'Bool that is not a boolean',
      doc({ ...allow('kms:*'), Condition: { Bool: { 'acs:SecureTransport': 'yes' } } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'a Numeric value that is no number',
      doc({ ...allow('kms:*'), Condition: { NumericLessThan: { 'acs:x': 'ten' } } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'a Date value that is no date',
      doc({ ...allow('kms:*'), Condition: { DateLessThan: { 'acs:CurrentTime': 'tomorrow' } } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'a CIDR with a bad prefix',
      doc({ ...allow('kms:*'), Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/33' } } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'an IP that is not one',
      doc({ ...allow('kms:*'), Condition: { IpAddress: { 'acs:SourceIp': '300.1.1.1' } } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'an object as condition value',
      doc({ ...allow('kms:*'), Condition: { StringEquals: { 'acs:x': { a: 1 } } } }),
      'Identity',
      'MalformedPolicyDocument',
    ],
    [
      'a trust policy naming no one',
      doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: {} }),
      'Trust',
      'MalformedPolicyDocument',
    ],
    [
      'a trust policy without Principal',
      doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }),
      'Trust',
      'MalformedPolicyDocument',
    ],
    [
      'an unknown principal type',
      doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: '*' } }),
      'Trust',
      'MalformedPolicyDocument',
    ],
    ['a session policy with bad grammar', '{"Version":"1"}', 'Session', 'InvalidParameter.PolicyGrammar'],
    [
      'a session policy with a Principal',
      doc({ ...allow('kms:*'), Principal: { RAM: '*' } }),
      'Session',
      'InvalidParameter.PolicyGrammar',
    ],
    [
      'a key policy with a Resource other than *',
      doc({ Effect: 'Allow', Principal: { RAM: '*' }, Action: 'kms:*', Resource: 'acs:kms:*:*:key/k' }),
      'KeyPolicy',
      'InvalidParameter',
    ],
    [
      'a key policy action outside kms:',
      doc({ Effect: 'Allow', Principal: { RAM: '*' }, Action: 'ram:*', Resource: '*' }),
      'KeyPolicy',
      'InvalidParameter',
    ],
    [
      'a key policy without Principal',
      doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }),
      'KeyPolicy',
      'InvalidParameter',
    ],
    [
      'a key policy with a Service principal',
      doc({ Effect: 'Allow', Principal: { Service: 'ecs.aliyuncs.com' }, Action: 'kms:*', Resource: '*' }),
      'KeyPolicy',
      'InvalidParameter',
    ],
    [
      'a key policy Sid with bad characters',
      doc({ Sid: 'no#hash', Effect: 'Allow', Principal: { RAM: '*' }, Action: 'kms:*', Resource: '*' }),
      'KeyPolicy',
      'InvalidParameter',
    ],
    [
      'a secret policy RAM principal that is no ARN',
      doc({ Effect: 'Allow', Principal: { RAM: 'alice' }, Action: 'kms:*', Resource: '*' }),
      'SecretPolicy',
      'InvalidParameter',
    ],
  ];
  for (const [what, input, kind, code] of cases) {
    it(`${kind}: ${what} → ${code} (400)`, () => {
      const error = refusal(input, kind);
      expect(error.code).toBe(code);
      expect(error.status).toBe(400);
      expect(error.kind).toBe(kind);
      expect(error.message.length).toBeGreaterThan(10);
    });
  }

  it('names the element at fault', () => {
    const error = refusal(
      doc(allow('kms:*'), { Effect: 'Allow', Action: 'kms:*', Resource: '*', Condition: { Foo: {} } }),
    );
    expect(error.path).toBe('Statement[1].Condition.Foo');
  });

  it('refuses oversized documents with each API’s size code', () => {
    const padded = (length: number) => {
      const base = doc(allow('kms:*'));
      return base.slice(0, -1) + ' '.repeat(length - base.length) + base.slice(-1);
    };
    expect(() => compilePolicy(padded(6_144), 'Identity')).not.toThrow();
    expect(refusal(padded(6_145), 'Identity').code).toBe('InvalidParameter.PolicyDocument.Length');
    expect(() => compilePolicy(padded(2_048), 'Session')).not.toThrow();
    expect(refusal(padded(2_049), 'Session').code).toBe('InvalidParameter.PolicySize');
    // Key policies count bytes: 32,768 of them, multi-byte characters included.
    const keyPolicy = doc({
      Sid: 'x',
      Effect: 'Allow',
      Principal: { RAM: '*' },
      Action: 'kms:*',
      Resource: '*',
    });
    const exactly32k = `${keyPolicy.slice(0, -1)}${' '.repeat(32_768 - keyPolicy.length)}}`;
    expect(Buffer.byteLength(exactly32k)).toBe(32_768);
    expect(() => compilePolicy(exactly32k, 'KeyPolicy')).not.toThrow();
    const multiByte = `${keyPolicy.slice(0, -1)}${' '.repeat(11_000)}${'\u3000'.repeat(7_500)}}`;
    expect(multiByte.length).toBeLessThan(32_768);
    expect(refusal(multiByte, 'KeyPolicy').code).toBe('InvalidParameter');
  });
});

describe('policy documents: bounded cost', () => {
  it('refuses a 10,000-statement document quickly, as text and as an object', () => {
    const statements = Array.from({ length: 10_000 }, (_, i) => allow(`kms:Action${i}`));
    const text = doc(...statements);
    const started = performance.now();
    expect(refusal(text, 'Identity').code).toBe('InvalidParameter.PolicyDocument.Length');
    expect(refusal(text, 'KeyPolicy').code).toBe('InvalidParameter');
    const asObject = refusal({ Version: '1', Statement: statements }, 'Identity');
    expect(asObject.code).toBe('MalformedPolicyDocument');
    expect(asObject.reason).toContain(String(POLICY_BOUNDS.statements));
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('matches a pathological wildcard against a long string fast', () => {
    const pattern = compileWildcard(`${'a*'.repeat(500)}b`);
    const text = 'a'.repeat(200_000);
    const started = performance.now();
    expect(pattern.matches(text)).toBe(false);
    expect(pattern.matches(`${text}b`)).toBe(true);
    const middle = compileWildcard(`*${'a*'.repeat(500)}c*`);
    expect(middle.matches(text)).toBe(false);
    expect(middle.matches(`${text}cz`)).toBe(true);
    const question = compileWildcard(`*${'a?'.repeat(200)}*b*`);
    expect(question.matches(text)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('evaluates a policy of the maximum statement count in bounded time', () => {
    const statements = Array.from({ length: POLICY_BOUNDS.statements }, (_, i) => ({
      Effect: 'Allow',
      Action: `kms:*${'?'.repeat(i % 7)}Thing${i}*`,
      Resource: `acs:kms:*:*:key/${'*a'.repeat(20)}${i}`,
      Condition: { StringLike: { 'acs:x': `*${'a*'.repeat(30)}z` } },
    }));
    const policy = compilePolicy({ Version: '1', Statement: statements }, 'Identity');
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      evaluate({
        principal: { type: 'SubUser', accountId: '1', userName: 'u' },
        action: `kms:${'x'.repeat(100)}Thing7${'y'.repeat(100)}`,
        resource: `acs:kms:cn:1:key/${'a'.repeat(2_000)}7`,
        context: { currentTime: 0, values: { 'acs:x': 'a'.repeat(1_000) } },
        identityPolicies: [{ name: 'big', type: 'Custom', policy }],
      });
    }
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('wildcards', () => {
  it('* matches any run including the empty one, ? exactly one character', () => {
    expect(compileWildcard('kms:*').matches('kms:')).toBe(true);
    expect(compileWildcard('kms:Describe*').matches('kms:DescribeKey')).toBe(true);
    expect(compileWildcard('kms:Describe*').matches('kms:ListKeys')).toBe(false);
    expect(compileWildcard('kms:?ecrypt').matches('kms:Decrypt')).toBe(true);
    expect(compileWildcard('kms:?ecrypt').matches('kms:ecrypt')).toBe(false);
    expect(compileWildcard('kms:??crypt').matches('kms:Encrypt')).toBe(true);
    expect(compileWildcard('kms:???crypt').matches('kms:Encrypt')).toBe(false);
    expect(compileWildcard('a*b*c').matches('abc')).toBe(true);
    expect(compileWildcard('a*b*c').matches('aXbYc')).toBe(true);
    expect(compileWildcard('a*b*c').matches('acb')).toBe(false);
    expect(compileWildcard('ab*ba').matches('aba')).toBe(false);
    expect(compileWildcard('*?').matches('')).toBe(false);
    expect(compileWildcard('*?').matches('x')).toBe(true);
    expect(compileWildcard('acs:kms:*:*:key*').matches('acs:kms:cn-hangzhou:1:key')).toBe(true);
    expect(compileWildcard('acs:kms:*:*:key*').matches('acs:kms:cn-hangzhou:1:key/abc')).toBe(true);
    expect(compileWildcard('acs:kms:*:*:key*').matches('acs:kms:cn-hangzhou:1:secret/key')).toBe(false);
  });

  it('a 1,024-character ?-segment against a resource ARN as long as a request body: tens of ms, not seconds (fuzz)', () => {
    // The naive scan compared up to the segment's length at every position: 3.7 s for this one.
    const pattern = compileWildcard(`acs:kms:*:*:key/*${'a?'.repeat(500)}b*`);
    const arn = `acs:kms:cn-hangzhou:1234567890123456:key/${'a'.repeat(900_000)}`;
    const started = performance.now();
    expect(pattern.matches(arn)).toBe(false);
    expect(pattern.matches(`${arn}b`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('matches exactly as the regular expression it stands for (segments with ? of every length)', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (alphabet: string, max: number) =>
      Array.from({ length: next(max) }, () => alphabet[next(alphabet.length)]).join('');
    for (let i = 0; i < 3_000; i++) {
      let pattern = word('ab?*', i % 10 === 0 ? 80 : 12);
      let text = word('abc', i % 10 === 0 ? 200 : 16);
      if (i % 10 === 1) {
        // A long ?-segment (past the short-segment scan), and a text holding an instance of it or not.
        const segment = `${word('a??', 150)}?a`;
        pattern = `*${segment}*`;
        const instance = segment.replace(/\?/g, () => 'abc'[next(3)] as string);
        text = next(2) ? `${word('abc', 50)}${instance}${word('abc', 50)}` : word('abc', 300);
      }
      const expected = new RegExp(
        `^${pattern.replace(/[?*]/g, (c) => (c === '?' ? '[\\s\\S]' : '[\\s\\S]*'))}$`,
      ).test(text);
      expect([pattern, text, compileWildcard(pattern).matches(text)]).toEqual([pattern, text, expected]);
    }
  });

  it('treats regular-expression characters literally', () => {
    expect(compileWildcard('a.b').matches('axb')).toBe(false);
    expect(compileWildcard('(a+)+$').matches('(a+)+$')).toBe(true);
  });
});

describe('compiled policy cache', () => {
  it('compiles a text once per kind and forgets the least recently used', () => {
    const cache = new CompiledPolicyCache(2);
    const a = doc(allow('kms:Encrypt'));
    const b = doc(allow('kms:Decrypt'));
    const c = doc(allow('kms:List*'));
    const first = cache.compile(a, 'Identity');
    expect(cache.compile(a, 'Identity')).toBe(first);
    expect(cache.compile(a, 'Session')).not.toBe(first);
    cache.compile(a, 'Identity');
    cache.compile(b, 'Identity');
    cache.compile(c, 'Identity');
    expect(cache.size).toBe(2);
    expect(cache.compile(a, 'Identity')).not.toBe(first);
  });

  it('does not cache refusals', () => {
    const cache = new CompiledPolicyCache();
    expect(() => cache.compile('{', 'Identity')).toThrow(PolicyDocumentError);
    expect(cache.size).toBe(0);
  });
});

describe('policy documents: never a crash', () => {
  it('answers PolicyDocumentError or a policy for thousands of mangled documents', () => {
    // A fixed-seed generator (mulberry32), so a failure replays.
    let seed = 25;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const atoms: unknown[] = [
      null,
      true,
      0,
      -1.5,
      '',
      '*',
      'kms:*',
      'acs:kms:*:*:key/*',
      '10.0.0.0/8',
      '2026-01-01T00:00:00Z',
      '__proto__',
      'StringEquals',
      'acs:SourceIp',
      [],
      {},
    ];
    const keys = [
      'Version',
      'Statement',
      'Effect',
      'Action',
      'NotAction',
      'Resource',
      'Principal',
      'Condition',
      'RAM',
      'IpAddress',
      'acs:SourceIp',
      'x',
    ];
    const value = (depth: number): unknown => {
      if (depth > 4 || random() < 0.4) return pick(atoms);
      if (random() < 0.5) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, () => [pick(keys), value(depth + 1)]),
      );
    };
    const base = {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'kms:*',
          Resource: '*',
          Principal: { RAM: '*' },
          Condition: { Bool: { 'acs:SecureTransport': 'true' } },
        },
      ],
    };
    const kinds: PolicyDocumentKind[] = ['Identity', 'Trust', 'Session', 'KeyPolicy', 'SecretPolicy'];
    let accepted = 0;
    for (let i = 0; i < 3_000; i++) {
      const candidate = structuredClone(base) as Record<string, unknown>;
      const statement = (candidate.Statement as Record<string, unknown>[])[0] as Record<string, unknown>;
      const target = random() < 0.3 ? candidate : statement;
      target[pick(keys)] = value(0);
      if (random() < 0.3) delete statement[pick(keys)];
      const text =
        random() < 0.1
          ? JSON.stringify(candidate).slice(0, -1 - Math.floor(random() * 5))
          : JSON.stringify(candidate);
      try {
        compilePolicy(text, pick(kinds));
        accepted++;
      } catch (error) {
        expect(error).toBeInstanceOf(PolicyDocumentError);
        expect((error as PolicyDocumentError).status).toBe(400);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });
});
