import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { patientClient } from './helpers/asymmetric.js';

/**
 * Certificate tags through the official pop-core client: TagResource / UntagResource name
 * a certificate by CertificateId (the spec: exactly one of KeyId, SecretName, CertificateId; ListResourceTags
 * documents KeyId only), DescribeCertificate answers them in its Tags map ({Tag: [{TagKey, TagValue}]}), the
 * batch operations document ResourceType key and secret only, and deleting a certificate drops its tags.
 */
let emulator: Emulator;
let kms: ReturnType<typeof patientClient>;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = patientClient(emulator);
});
afterAll(() => emulator.close());

let accountId = '';
async function newCertificate(): Promise<string> {
  const created = await kms.call('CreateCertificate', {
    Subject: 'CN=tags.example.com,C=CN',
    KeySpec: 'EC_P256',
  });
  accountId = String(created.Arn).split(':')[3] as string;
  return String(created.CertificateId);
}

function describedTags(body: Record<string, unknown>): unknown {
  return (body.Tags as { Tag?: unknown }).Tag;
}

describe('certificate tags', () => {
  it('TagResource adds and overwrites, DescribeCertificate answers them, UntagResource removes', async () => {
    const id = await newCertificate();
    expect(describedTags(await kms.call('DescribeCertificate', { CertificateId: id }))).toEqual([]);

    await kms.call('TagResource', {
      CertificateId: id,
      Tags: JSON.stringify([
        { TagKey: 'team', TagValue: 'pay' },
        { TagKey: 'env', TagValue: 'dev' },
      ]),
    });
    await kms.call('TagResource', {
      CertificateId: id,
      Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'prod' }]),
    });
    const described = await kms.call('DescribeCertificate', { CertificateId: id });
    expect(describedTags(described)).toEqual([
      { TagKey: 'team', TagValue: 'pay' },
      { TagKey: 'env', TagValue: 'prod' },
    ]);

    // ListResourceTags documents KeyId alone, as a required parameter: certificates answer MissingParameter.
    expect(await kms.fails('ListResourceTags', { CertificateId: id })).toBe('MissingParameter');

    await kms.call('UntagResource', { CertificateId: id, TagKeys: JSON.stringify(['team']) });
    expect(describedTags(await kms.call('DescribeCertificate', { CertificateId: id }))).toEqual([
      { TagKey: 'env', TagValue: 'prod' },
    ]);
  });

  it('the tag rules of keys and secrets: reserved prefixes, duplicates, 20 a resource; unknown certificates', async () => {
    const id = await newCertificate();
    expect(
      await kms.fails('TagResource', {
        CertificateId: id,
        Tags: JSON.stringify([{ TagKey: 'aliyun-x', TagValue: 'v' }]),
      }),
    ).toBe('InvalidParameter'); // TagResource documents only InvalidParameter
    expect(
      await kms.fails('TagResource', {
        CertificateId: id,
        Tags: JSON.stringify([
          { TagKey: 'a', TagValue: '1' },
          { TagKey: 'a', TagValue: '2' },
        ]),
      }),
    ).toBe('Duplicate.TagKey');
    const many = Array.from({ length: 21 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
    expect(await kms.fails('TagResource', { CertificateId: id, Tags: JSON.stringify(many) })).toBe(
      'InvalidParameter',
    );
    expect(describedTags(await kms.call('DescribeCertificate', { CertificateId: id }))).toEqual([]);
    expect(
      await kms.fails('TagResource', {
        CertificateId: '00000000-0000-0000-0000-000000000000',
        Tags: JSON.stringify([{ TagKey: 'a', TagValue: '1' }]),
      }),
    ).toBe('Certificate.NotFound');
    expect(await kms.fails('TagResource', { Tags: JSON.stringify([{ TagKey: 'a', TagValue: '1' }]) })).toBe(
      'MissingParameter',
    );
  });

  it('TagResources / ListTagResources refuse ResourceType certificate (the spec lists key and secret)', async () => {
    const id = await newCertificate();
    expect(
      await kms.fails('TagResources', {
        RegionId: 'cn-hangzhou',
        ResourceType: 'certificate',
        ResourceId: JSON.stringify([id]),
        Tag: JSON.stringify([{ Key: 'a', Value: '1' }]),
      }),
    ).toBe('InvalidParameter');
    expect(
      await kms.fails('ListTagResources', { RegionId: 'cn-hangzhou', ResourceType: 'certificate' }),
    ).toBe('InvalidParameter');
  });

  it('DeleteCertificate removes its tags from the store', async () => {
    const kept = await newCertificate();
    const id = await newCertificate();
    const scope = { accountId, regionId: 'cn-hangzhou' };
    for (const certificateId of [kept, id]) {
      await kms.call('TagResource', {
        CertificateId: certificateId,
        Tags: JSON.stringify([{ TagKey: 'gone', TagValue: 'no' }]),
      });
    }
    expect(emulator.world.tags.list(scope, 'certificate', id)).toEqual([{ key: 'gone', value: 'no' }]);
    await kms.call('DeleteCertificate', { CertificateId: id });
    expect(await kms.fails('DescribeCertificate', { CertificateId: id })).toBe('Certificate.NotFound');
    expect(
      await kms.fails('TagResource', {
        CertificateId: id,
        Tags: JSON.stringify([{ TagKey: 'a', TagValue: '1' }]),
      }),
    ).toBe('Certificate.NotFound');
    expect(emulator.world.tags.all(scope, 'certificate').map((set) => set.id)).toContain(kept);
    expect(emulator.world.tags.all(scope, 'certificate').map((set) => set.id)).not.toContain(id);
  });
});
