// Policy documents for scripts/fuzz.mjs (#25 "Bad input"): generated documents of each kind the
// emulator reads (RAM PolicyDocument, a role's AssumeRolePolicyDocument, STS's session Policy, KMS's
// key and secret policies), well-formed or mutated: malformed JSON, wrong types at every level,
// unknown elements, operators and condition keys, huge arrays and strings, deep nesting, 10,000
// statements, pathological wildcards (`a*a*a*…b`), invalid CIDRs, dates and numbers, unicode.
// Seeded: every choice comes from the fuzzer's random source.

/**
 * @param {{ int: (n: number) => number, pick: <T>(list: T[]) => T, chance: (p: number) => boolean,
 *           accountId: string, userName: string, roleName: string }} r
 */
export function policyFuzzer({ int, pick, chance, accountId, userName, roleName }) {
  const deep = (n, open = '[', close = ']') => `${open.repeat(n)}${close.repeat(n)}`;
  /** Sets an own property even when the key is `__proto__` (JSON.stringify then writes it). */
  const put = (object, key, value) => {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    return value;
  };
  const list = (make, max = 3) => {
    const n = 1 + int(max);
    const out = Array.from({ length: n }, make);
    return n === 1 && chance(0.5) ? out[0] : out;
  };

  /** `a*a*a*…b`: each star placed greedily, against the long ARNs the fuzzer also sends. */
  const pathological = (prefix = 'acs:kms:*:*:key/') => {
    // A middle segment of 1,000 characters with `?` (the slowest shape for a naive scan).
    if (chance(0.25)) return `${prefix}*${'a?'.repeat(500)}b*`.slice(0, 1024);
    const unit = pick(['a*', '?*', 'a?*', '*a', 'ab*']);
    return `${prefix}${unit.repeat(int(400) + 1)}${pick(['b', '?', 'a', ''])}`.slice(
      0,
      pick([1024, 1000, 1025]),
    );
  };
  const unicode = () =>
    pick(['é', '😀', '\u0000', '\u202e', '\ufeff', '𝔘', 'İ', 'ß', '\u0301', '\uffff', '中文', '\t', '\n']);

  const KMS_ACTIONS = [
    'kms:*',
    'kms:Decrypt',
    'kms:Encrypt',
    'kms:GenerateDataKey',
    'kms:Describe*',
    'kms:List*',
    'kms:Get*',
    'kms:?ncrypt',
    'kms:*Secret*',
    'KMS:DECRYPT',
    'kms:GetSecretValue',
    'kms:CreateKey',
    'kms:TagResource',
  ];
  const ACTIONS = [
    ...KMS_ACTIONS,
    '*',
    'ram:*',
    'ram:CreateUser',
    'ram:AttachPolicyTo*',
    'sts:AssumeRole',
    'sts:*',
    'ecs:*',
  ];
  const RESOURCES = [
    '*',
    'acs:kms:*:*:*',
    `acs:kms:*:${accountId}:key/*`,
    `acs:kms:cn-hangzhou:${accountId}:key/*`,
    `acs:kms:*:${accountId}:secret/*`,
    `acs:kms:*:${accountId}:alias/*`,
    'acs:kms:*:*:key/key-*',
    'acs:kms:*:*:secret/fuzz*',
    'acs:kms:*:*:key/?*?',
    `acs:ram::${accountId}:user/*`,
    `acs:ram::${accountId}:role/*`,
    `acs:ram::${accountId}:policy/*`,
    'acs:*:*:*:*',
  ];
  const PRINCIPALS = [
    '*',
    accountId,
    `acs:ram::${accountId}:root`,
    `acs:ram::${accountId}:*`,
    `acs:ram::${accountId}:user/${userName}`,
    `acs:ram::${accountId}:user/*`,
    `acs:ram::${accountId}:role/${roleName}`,
    `acs:ram::${accountId}:role/*`,
    'acs:ram::9999999999999999:root',
    'acs:ram::*:root',
  ];
  const OPERATORS = {
    String: [
      'StringEquals',
      'StringNotEquals',
      'StringEqualsIgnoreCase',
      'StringNotEqualsIgnoreCase',
      'StringLike',
      'StringNotLike',
    ],
    Numeric: [
      'NumericEquals',
      'NumericNotEquals',
      'NumericLessThan',
      'NumericLessThanEquals',
      'NumericGreaterThan',
      'NumericGreaterThanEquals',
    ],
    Date: [
      'DateEquals',
      'DateNotEquals',
      'DateLessThan',
      'DateLessThanEquals',
      'DateGreaterThan',
      'DateGreaterThanEquals',
    ],
    Bool: ['Bool'],
    IpAddress: ['IpAddress', 'NotIpAddress'],
  };
  const UNKNOWN_OPERATORS = [
    'StringEqualsIfExists',
    'Null',
    'ArnLike',
    'ForAnyValue:StringEquals',
    'ForAllValues:StringLike',
    'stringequals',
    'BOOL',
    'Foo',
    '',
    'String Equals',
    '__proto__',
    'constructor',
  ];
  const KEYS = {
    String: ['kms:tag/env', 'acs:ResourceTag/env', 'kms:tag/Team', 'acs:SourceVpc', 'kms:fuzz'],
    Numeric: ['kms:fuzz', 'acs:CurrentTime', 'kms:tag/n'],
    Date: ['acs:CurrentTime', 'kms:tag/expires'],
    Bool: ['acs:SecureTransport', 'acs:MFAPresent', 'kms:tag/flag'],
    IpAddress: ['acs:SourceIp', 'kms:tag/ip'],
  };
  const BAD_KEYS = [
    'nocolon',
    ':x',
    'x:',
    'a b:c',
    '__proto__',
    'acs:',
    `acs:${'k'.repeat(1100)}`,
    'acs:Source Ip',
    'kms:tag/é😀',
  ];
  const VALUES = {
    String: () =>
      pick(['prod', 'dev', '', '*', 'p*d', '?', pathological(''), 'x'.repeat(1025), unicode(), 5, true]),
    Numeric: () =>
      pick([
        '1',
        '-1',
        '0',
        '1e308',
        '1e309',
        'NaN',
        'Infinity',
        '0x10',
        ' 7 ',
        '',
        5,
        1.5,
        -0,
        Number.MAX_VALUE,
        1e-300,
      ]),
    Date: () =>
      pick([
        '2012-11-11T23:59:59Z',
        '2099-01-01T00:00:00+08:00',
        '2099-01-01T00:00:00+0800',
        '2020-01-01',
        '2020-01-01T00:00',
        '9999999999',
        '999999999999',
        '2020-13-45T99:99:99Z',
        '2020-02-30T00:00:00Z',
        '+275760-09-13T00:00:00Z',
        '0',
        '-1',
        '2020-01-01T00:00:00.123456789Z',
        '2020-01-01T00:00:00.1234567891Z',
        'yesterday',
        1700000000,
      ]),
    Bool: () => pick(['true', 'false', 'TRUE', 'yes', '', true, false, 1, ['true', 'false']]),
    IpAddress: () =>
      pick([
        '127.0.0.1',
        '127.0.0.0/8',
        '10.0.0.0/8',
        '0.0.0.0/0',
        '::1',
        '::/0',
        '::ffff:127.0.0.1',
        '::ffff:127.0.0.0/104',
        'fe80::1%eth0',
        '256.1.1.1',
        '10.0.0.0/33',
        '1.2.3.4/-1',
        '1.2.3.4/08',
        '1.2.3.4/',
        '1:2:3:4:5:6:7:8:9',
        '1::2::3',
        '::ffff:1.2.3.4.5',
        '01.02.03.04',
        '1.2.3',
        `${'1:'.repeat(40)}1`,
        '',
        'localhost',
        '2001:db8::/129',
      ]),
  };
  const families = Object.keys(OPERATORS);

  function condition() {
    const block = {};
    for (let i = 0, n = 1 + int(3); i < n; i++) {
      const family = pick(families);
      const operator = chance(0.9) ? pick(OPERATORS[family]) : pick(UNKNOWN_OPERATORS);
      const keys = Object.hasOwn(block, operator) ? block[operator] : put(block, operator, {});
      const key = chance(0.92) ? pick(KEYS[family]) : pick(BAD_KEYS);
      put(keys, key, chance(0.6) ? VALUES[family]() : Array.from({ length: 1 + int(4) }, VALUES[family]));
    }
    return block;
  }

  function statement(kind) {
    const kmsPolicy = kind === 'KeyPolicy' || kind === 'SecretPolicy';
    const s = {};
    if (chance(0.3))
      s.Sid = pick(['s1', 'Enable RAM policies', 'a/b+c=d.e@f-g', '', 'x'.repeat(129), unicode()]);
    s.Effect = chance(0.7) ? 'Allow' : 'Deny';
    const actions =
      kmsPolicy || kind === 'Session' ? KMS_ACTIONS : kind === 'Trust' ? ['sts:AssumeRole'] : ACTIONS;
    const action = () => (chance(0.97) ? pick(actions) : pathological('kms:'));
    if (chance(0.9)) s.Action = list(action);
    else s.NotAction = list(action);
    if (kmsPolicy) s.Resource = '*';
    else if (kind !== 'Trust' || chance(0.1)) {
      const resource = () => (chance(0.9) ? pick(RESOURCES) : pathological());
      if (chance(0.95)) s.Resource = list(resource);
      else s.NotResource = list(resource);
    }
    if (kmsPolicy) s.Principal = { RAM: list(() => pick(PRINCIPALS)) };
    else if (kind === 'Trust') {
      s.Principal = chance(0.85)
        ? { RAM: list(() => pick(PRINCIPALS)) }
        : pick([
            { Service: 'ecs.aliyuncs.com' },
            { Federated: 'acs:ram::1:saml-provider/x' },
            { RAM: [] },
            {},
          ]);
    }
    if (chance(0.5)) s.Condition = condition();
    return s;
  }

  /** A document the grammar mostly accepts (before any mutation). */
  function wellFormed(kind) {
    const statements = Array.from({ length: 1 + int(4) }, () => statement(kind));
    return { Version: '1', Statement: statements.length === 1 && chance(0.3) ? statements[0] : statements };
  }

  const WRONG = () =>
    pick([
      null,
      5,
      -1,
      1.5,
      true,
      false,
      '',
      'x',
      '1',
      [],
      {},
      [null],
      [[]],
      [{}],
      { a: 1 },
      [1, 'a', null],
      'x'.repeat(5000),
      unicode(),
      JSON.parse(deep(200)),
    ]);

  /** Every container in the document, with the key that reaches each child. */
  function slots(node, out = []) {
    if (node && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        out.push([node, key]);
        slots(node[key], out);
      }
    }
    return out;
  }

  function mutateTree(doc) {
    const all = slots(doc);
    let grown = false;
    for (let i = 0, n = 1 + int(3); i < n && all.length > 0; i++) {
      const [parent, key] = pick(all);
      let r = int(8);
      // One multiplication per document: the text stays under a few MB.
      if (r === 2 || r === 3) {
        if (grown) r = 7;
        grown = true;
      }
      if (r === 0) delete parent[key];
      else if (r === 1 && !Array.isArray(parent))
        put(parent, pick(['Foo', 'NotPrincipal', 'Id', '__proto__', key.toLowerCase()]), WRONG());
      else if (r === 2) parent[key] = [parent[key], parent[key]];
      else if (r === 3) {
        // Long arrays of small things; a big subtree only a few times (the text stays well under 1 MB).
        const size = JSON.stringify(parent[key] ?? null).length;
        const length = size < 100 ? pick([257, 1000, 5000]) : size < 2000 ? 257 : 3;
        parent[key] = Array.from({ length }, () => parent[key]);
      } else if (r === 4) parent[key] = JSON.parse(deep(pick([100, 1000, 2500])));
      else if (r === 5 && typeof parent[key] === 'string') parent[key] = `${parent[key]}${unicode()}`;
      else parent[key] = WRONG();
    }
    return doc;
  }

  function mutateText(text) {
    const at = int(text.length + 1);
    switch (int(10)) {
      case 0:
        return text.slice(0, at);
      case 1:
        return `${text.slice(0, at)}${pick(['"', '{', '}', ',', ']', '\\', '\\u12', '\u0000', '😀'])}${text.slice(at)}`;
      case 2:
        return text.replaceAll('"', "'");
      case 3:
        return `\ufeff${text}`;
      case 4:
        return `${text} garbage`;
      case 5:
        return text.replace('{', '{"Version":"1",');
      case 6:
        return text.replace(/}$/, ',}');
      case 7:
        return text.replace(
          '"Version":"1"',
          pick(['"Version":1', '"Version":"2"', '"Version":null', '"version":"1"']),
        );
      case 8:
        return text.replaceAll('Allow', pick(['allow', 'ALLOW', 'Permit', '']));
      default:
        return text.replaceAll(':', pick(['：', '::', ':\u0000']));
    }
  }

  const CANNED = [
    '',
    ' ',
    'null',
    '[]',
    '{}',
    '"1"',
    '1',
    'true',
    '{"Version":"1"}',
    '{"Version":"1","Statement":[]}',
    '{"Version":"1","Statement":{}}',
    '{"Version":"1","Statement":null}',
    '{"Version":"1","Statement":[null]}',
    '{"Version":"1","Statement":[{"Effect":"Allow"}]}',
    '{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*","NotAction":"kms:*","Resource":"*"}]}',
    '{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}',
    '{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{}}]}',
    '{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{}}}]}',
    '{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Principal":{"RAM":"*"}}]}',
    '{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{}}]}',
    '{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":[]}}]}',
    '{"__proto__":{"Version":"1"},"Statement":[]}',
    '{"Version":"1","Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    deep(10_000),
    deep(6_000, '{"a":', '}'),
    `{"Version":"1","Statement":${deep(3000)}}`,
    `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"kms:x":${deep(3000)}}}}]}`,
  ];

  /** 10,000 statements, compact (each a real statement or a wrong type). */
  function tenThousand(kind) {
    const one =
      kind === 'KeyPolicy' || kind === 'SecretPolicy'
        ? '{"Effect":"Allow","Action":"kms:*","Resource":"*","Principal":{"RAM":"*"}}'
        : kind === 'Trust'
          ? '{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"*"}}'
          : '{"Effect":"Deny","Action":"*","Resource":"*"}';
    const item = pick([one, '1', '{}', 'null']);
    return `{"Version":"1","Statement":[${Array.from({ length: 10_000 }, () => item).join(',')}]}`;
  }

  /** A huge but otherwise well-formed document: long arrays, long strings, many conditions. */
  function huge(kind) {
    const doc = wellFormed(kind);
    const first = Array.isArray(doc.Statement) ? doc.Statement[0] : doc.Statement;
    switch (int(5)) {
      case 0:
        first.Action = Array.from({ length: pick([256, 257, 2000]) }, () => pick(KMS_ACTIONS));
        break;
      case 1:
        if (first.Resource)
          first.Resource = Array.from({ length: pick([256, 257, 300]) }, () => pathological());
        else first.Action = `kms:${'x'.repeat(pick([1020, 1021, 30_000]))}`;
        break;
      case 2:
        first.Condition = Object.fromEntries(
          Array.from({ length: pick([64, 65, 300]) }, (_, i) => [
            i % 2 ? 'StringEquals' : `StringLike${i}`,
            { 'kms:tag/env': 'x' },
          ]),
        );
        break;
      case 3:
        first.Condition = {
          StringLike: Object.fromEntries(
            Array.from({ length: pick([64, 65]) }, (_, i) => [
              `kms:tag/k${i}`,
              Array.from({ length: pick([8, 256, 257]) }, () =>
                chance(0.02) ? pathological('') : pick(['a*b', '*', '?', 'p*d*']),
              ),
            ]),
          ),
        };
        break;
      default:
        doc.Statement = Array.from({ length: pick([100, 512, 513]) }, () => statement(kind));
    }
    return JSON.stringify(doc);
  }

  /**
   * A document of `kind` as text. `accepted` (0–1): the share that is left well-formed so that the
   * emulator keeps it (and the evaluator later runs on it); the rest is mutated or hostile.
   */
  function document(kind, accepted = 0.3) {
    const text = generate(kind, accepted);
    // Bounded: a document never needs to be more than a few times the 1 MB body limit to be refused.
    return text.length > 2_000_000 ? text.slice(0, int(2_000_000)) : text;
  }
  function generate(kind, accepted) {
    if (chance(accepted)) return JSON.stringify(wellFormed(kind));
    const r = int(100);
    if (r < 8) return pick(CANNED);
    if (r < 10) return tenThousand(kind);
    if (r < 20) return huge(kind);
    if (r < 60) return JSON.stringify(mutateTree(wellFormed(kind)));
    if (r < 85) return mutateText(JSON.stringify(wellFormed(kind)));
    return mutateText(JSON.stringify(mutateTree(wellFormed(kind))));
  }

  return { document, wellFormed: (kind) => JSON.stringify(wellFormed(kind)), pathological, condition };
}
