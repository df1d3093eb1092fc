import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { callRpc, type RpcResponse } from '../src/testkit/rpc-client.js';
import type { Body } from './helpers/client.js';

/**
 * What the Terraform provider (aliyun/alicloud 1.240.0) reads back from RAM, answered as the service
 * answers it (#27): each case is a field or an operation a `terraform plan` after `apply` depends on
 * (test/terraform/configs/ram).
 */
const RAM = '2015-05-01';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
});
afterAll(() => emulator.close());

const ram = (action: string, params: Record<string, string> = {}): Promise<RpcResponse> =>
  callRpc(emulator.url, action, params, { version: RAM });

async function ok(res: Promise<RpcResponse>): Promise<Body> {
  const { status, body } = await res;
  expect(body.Code, JSON.stringify(body)).toBeUndefined();
  expect(status).toBe(200);
  return body;
}

describe('RAM users as the provider reads them', () => {
  it('a user created without DisplayName has none (no default to the user name); UpdateUser clears fields with ""', async () => {
    // alicloud_ram_user without display_name: GetUser must not answer one, or every plan wants to
    // remove it (the provider's acceptance test re-plans a name-only user with no changes).
    const created = await ok(ram('CreateUser', { UserName: 'tf-plain' }));
    expect(created.User.DisplayName).toBeUndefined();
    expect((await ok(ram('GetUser', { UserName: 'tf-plain' }))).User.DisplayName).toBeUndefined();
    const listed = (await ok(ram('ListUsers'))).Users.User as Body[];
    expect(listed.find((u) => u.UserName === 'tf-plain')?.DisplayName).toBeUndefined();

    await ok(ram('UpdateUser', { UserName: 'tf-plain', NewDisplayName: 'Plain', NewComments: 'c' }));
    expect((await ok(ram('GetUser', { UserName: 'tf-plain' }))).User).toMatchObject({
      DisplayName: 'Plain',
      Comments: 'c',
    });
    // Removing display_name sends NewDisplayName="" (the provider's update).
    await ok(ram('UpdateUser', { UserName: 'tf-plain', NewDisplayName: '', NewComments: '' }));
    const cleared = (await ok(ram('GetUser', { UserName: 'tf-plain' }))).User;
    expect(cleared.DisplayName ?? '').toBe('');
    expect(cleared.Comments ?? '').toBe('');
  });
});

describe('login profiles and MFA devices (alicloud_ram_user force, alicloud_ram_login_profile)', () => {
  it('CreateLoginProfile/Get/Update/Delete keep the flags (never the password); DeleteUser refuses a user who has one', async () => {
    await ok(ram('CreateUser', { UserName: 'tf-console' }));
    expect(await ram('GetLoginProfile', { UserName: 'tf-console' })).toMatchObject({
      status: 404,
      body: { Code: 'EntityNotExist.User.LoginProfile' },
    });
    expect(await ram('CreateLoginProfile', { UserName: 'tf-console', Password: 'short' })).toMatchObject({
      status: 400,
      body: { Code: 'InvalidParameter.Password' },
    });
    const created = await ok(
      ram('CreateLoginProfile', {
        UserName: 'tf-console',
        Password: 'Console#Passw0rd',
        PasswordResetRequired: 'true',
      }),
    );
    expect(created.LoginProfile).toMatchObject({
      UserName: 'tf-console',
      PasswordResetRequired: true,
      MFABindRequired: false,
    });
    expect(JSON.stringify(created)).not.toContain('Console#Passw0rd');
    expect(
      await ram('CreateLoginProfile', { UserName: 'tf-console', Password: 'Console#Passw0rd' }),
    ).toMatchObject({ status: 409, body: { Code: 'EntityAlreadyExists.User.LoginProfile' } });

    await ok(ram('UpdateLoginProfile', { UserName: 'tf-console', MFABindRequired: 'true' }));
    expect((await ok(ram('GetLoginProfile', { UserName: 'tf-console' }))).LoginProfile).toMatchObject({
      PasswordResetRequired: true,
      MFABindRequired: true,
    });

    expect(await ram('DeleteUser', { UserName: 'tf-console' })).toMatchObject({
      status: 409,
      body: { Code: 'DeleteConflict.User.LoginProfile' },
    });
    // The provider's force delete: DeleteLoginProfile, then UnbindMFADevice (none bound), then DeleteUser.
    await ok(ram('DeleteLoginProfile', { UserName: 'tf-console' }));
    expect(await ram('DeleteLoginProfile', { UserName: 'tf-console' })).toMatchObject({
      status: 404,
      body: { Code: 'EntityNotExist.User.LoginProfile' },
    });
    expect(await ram('UnbindMFADevice', { UserName: 'tf-console' })).toMatchObject({
      status: 404,
      body: { Code: 'EntityNotExist.User.MFADevice' },
    });
    await ok(ram('DeleteUser', { UserName: 'tf-console' }));
  });

  it('a renamed user keeps its login profile', async () => {
    await ok(ram('CreateUser', { UserName: 'tf-rename' }));
    await ok(ram('CreateLoginProfile', { UserName: 'tf-rename', Password: 'Console#Passw0rd' }));
    await ok(ram('UpdateUser', { UserName: 'tf-rename', NewUserName: 'tf-renamed' }));
    expect((await ok(ram('GetLoginProfile', { UserName: 'tf-renamed' }))).LoginProfile.UserName).toBe(
      'tf-renamed',
    );
  });
});
