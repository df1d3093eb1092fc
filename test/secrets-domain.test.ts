import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.js';
import { KmsError } from '../src/protocol/errors.js';

/** SecretService's rules as the API and the instance gateway call them (#24 §5, §6). */
let emulator: Emulator;
const scope = { accountId: '1234567890123456', regionId: 'cn-hangzhou' };

beforeAll(async () => {
  emulator = await startEmulator({ env: {} });
});
afterAll(() => emulator.close());

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof KmsError ? error.code : `not a KmsError: ${String(error)}`;
  }
  return undefined;
}

function generic(name: string) {
  const { secrets } = emulator.world;
  const secret = secrets.create(scope, {
    name,
    type: 'Generic',
    versionId: 'v1',
    data: 'one',
    dataType: 'text',
  });
  secrets.putValue(scope, secret, 'v2', 'two', 'text');
  return secret;
}

describe('secrets.usable', () => {
  it('exists, is not in its deletion window, and its instance is available', () => {
    const { secrets, instances } = emulator.world;
    generic('usable/plain');
    expect(secrets.usable(scope, 'usable/plain').name).toBe('usable/plain');
    expect(codeOf(() => secrets.usable(scope, 'usable/none'))).toBe('Forbidden.ResourceNotFound');

    const doomed = secrets.get(scope, 'usable/plain');
    secrets.scheduleDeletion(scope, doomed, 7);
    expect(codeOf(() => secrets.usable(scope, 'usable/plain'))).toBe('Rejected.ResourceInDeleteWindow');

    instances.create(scope, { kmsInstanceId: 'kst-usable', endDate: emulator.world.now() + 86_400_000 });
    secrets.create(scope, {
      name: 'usable/in-instance',
      type: 'Generic',
      versionId: 'v1',
      data: 'x',
      dataType: 'text',
      dkmsInstanceId: 'kst-usable',
    });
    expect(secrets.usable(scope, 'usable/in-instance').dkmsInstanceId).toBe('kst-usable');
    emulator.world.scheduler.advanceTo(emulator.world.now() + 2 * 86_400_000);
    expect(codeOf(() => secrets.usable(scope, 'usable/in-instance'))).toBe('Rejected.Unavailable');
    // `get` only checks existence and the deletion window.
    expect(secrets.get(scope, 'usable/in-instance').name).toBe('usable/in-instance');
  });
});

describe('secrets.readValue (GetSecretValue’s read rule)', () => {
  it('a generic secret: by stage (ACSCurrent by default) or by version id, whose stage must match', () => {
    const { secrets } = emulator.world;
    generic('read/generic');
    const current = secrets.readValue(scope, { name: 'read/generic' });
    expect([current.version.versionId, current.data, current.secret.name]).toEqual([
      'v2',
      'two',
      'read/generic',
    ]);
    expect(secrets.readValue(scope, { name: 'read/generic', stage: 'ACSPrevious' }).data).toBe('one');
    expect(secrets.readValue(scope, { name: 'read/generic', versionId: 'v1' }).data).toBe('one');
    expect(
      codeOf(() => secrets.readValue(scope, { name: 'read/generic', versionId: 'v1', stage: 'ACSCurrent' })),
    ).toBe('Rejected.InvalidRequest');
    expect(codeOf(() => secrets.readValue(scope, { name: 'read/generic', versionId: 'v9' }))).toBe(
      'Forbidden.ResourceNotFound',
    );
  });

  it('a managed secret: only ACSCurrent and ACSPrevious, VersionId ignored', () => {
    const { secrets, backing } = emulator.world;
    backing.upsertDatabase(scope, 'rm-read', 'Rds', { app: 'Pw#1' });
    emulator.world.managed.create(scope, {
      name: 'read/managed',
      type: 'Rds',
      versionId: 'm1',
      extendedConfig: { SecretSubType: 'SingleUser', DBInstanceId: 'rm-read' },
      secretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: 'Pw#1' }] }),
    });
    const read = secrets.readValue(scope, { name: 'read/managed', versionId: 'no-such-version' });
    expect(read.version.versionId).toBe('m1');
    expect(JSON.parse(read.data)).toEqual({ AccountName: 'app', AccountPassword: 'Pw#1' });
    expect(codeOf(() => secrets.readValue(scope, { name: 'read/managed', stage: 'ACSPending' }))).toBe(
      'InvalidParameter',
    );
  });
});

describe('secrets.moveStage (UpdateSecretVersionStage)', () => {
  it('moves a label, refuses to remove ACSCurrent, and removes a custom label', () => {
    const { secrets } = emulator.world;
    generic('stage/move');
    secrets.moveStage(scope, 'stage/move', { stage: 'ACSCurrent', from: 'v2', to: 'v1' });
    const moved = secrets.get(scope, 'stage/move');
    expect(moved.versions.map((v) => [v.versionId, v.stages])).toEqual([
      ['v1', ['ACSCurrent']],
      ['v2', ['ACSPrevious']],
    ]);
    expect(codeOf(() => secrets.moveStage(scope, 'stage/move', { stage: 'ACSCurrent', from: 'v1' }))).toBe(
      'Rejected.UnsupportedOperation',
    );
    expect(
      codeOf(() => secrets.moveStage(scope, 'stage/move', { stage: 'ACSCurrent', from: 'v2', to: 'v1' })),
    ).toBe('Rejected.InvalidRequest');
    secrets.moveStage(scope, 'stage/move', { stage: 'blue', to: 'v2' });
    secrets.moveStage(scope, 'stage/move', { stage: 'blue', from: 'v2' });
    expect(secrets.get(scope, 'stage/move').versions.find((v) => v.versionId === 'v2')?.stages).toEqual([
      'ACSPrevious',
    ]);
    expect(codeOf(() => secrets.moveStage(scope, 'stage/move', { stage: 'blue' }))).toBe('MissingParameter');
  });
});
