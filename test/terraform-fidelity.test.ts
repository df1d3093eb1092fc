// Answers the alicloud Terraform provider (1.240.0) reads back after it writes, where a difference
// from the service shows as a change on every plan (the Terraform suite, test/terraform/, #27).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { type Body, control, kmsClient } from './helpers/client.js';

let emulator: Emulator;
let kms: ReturnType<typeof kmsClient>;

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
  kms = kmsClient(emulator);
});
afterAll(() => emulator.close());

describe('fidelity the Terraform provider depends on', () => {
  it('DescribeKey answers RotationInterval only while automatic rotation is on', async () => {
    const keyId = (
      (await kms.call('CreateKey', { EnableAutomaticRotation: true, RotationInterval: '7d' }))
        .KeyMetadata as Body
    ).KeyId as string;
    const on = (await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata as Body;
    expect(on).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '604800s' });
    await kms.call('UpdateRotationPolicy', { KeyId: keyId, EnableAutomaticRotation: false });
    const off = (await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata as Body;
    expect(off).toMatchObject({ AutomaticRotation: 'Disabled', RotationInterval: '', NextRotationDate: '' });
    // Turned on again without an interval, it keeps the one it had.
    await kms.call('UpdateRotationPolicy', { KeyId: keyId, EnableAutomaticRotation: true });
    const again = (await kms.call('DescribeKey', { KeyId: keyId })).KeyMetadata as Body;
    expect(again).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '604800s' });
  });

  it('DescribeSecret answers RotationInterval only while automatic rotation is on', async () => {
    await control(emulator, 'POST', 'rds-instances', {
      DBInstanceId: 'rm-terraform',
      Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }],
    });
    await kms.call('CreateSecret', {
      SecretName: 'rds/terraform',
      SecretType: 'Rds',
      VersionId: 'v1',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }] }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-terraform' }),
      EnableAutomaticRotation: true,
      RotationInterval: '7d',
    });
    const on = await kms.call('DescribeSecret', { SecretName: 'rds/terraform' });
    expect(on).toMatchObject({ AutomaticRotation: 'Enabled', RotationInterval: '604800s' });
    await kms.call('UpdateSecretRotationPolicy', {
      SecretName: 'rds/terraform',
      EnableAutomaticRotation: false,
    });
    const off = await kms.call('DescribeSecret', { SecretName: 'rds/terraform' });
    expect(off.AutomaticRotation).toBe('Disabled');
    expect(off).not.toHaveProperty('RotationInterval');
    expect(off).not.toHaveProperty('NextRotationDate');
  });
});
