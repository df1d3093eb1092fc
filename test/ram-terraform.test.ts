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
