import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/domain/clock.js';
import { SeededRandom } from '../src/domain/random.js';
import { Scheduler } from '../src/domain/scheduler.js';
import { World } from '../src/domain/world.js';
import { type Emulator, startEmulator } from '../src/index.js';
import { Store } from '../src/store/store.js';
import { advance, type Body, kmsClient } from './helpers/client.js';

const DAY = 86_400_000;
const SHARED_KEY_ID = '0b6e2f0c-7d1a-4c3e-9f00-5a1b2c3d4e5f';
const OTHER_ACCOUNT = '5555555555555555';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('key jobs are per account and region (#24 §4)', () => {
  it('two accounts with the same KeyId: both deletions purge their own key', async () => {
    emulator = await startEmulator({ env: {} });
    // A seed fixes KeyIds: the same one in two accounts.
    const seeded = await fetch(`${emulator.url}/_emulator/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        principals: [{ accessKeyId: 'LTAIaccountB', accessKeySecret: 'b-secret', accountId: OTHER_ACCOUNT }],
        keys: [{ keyId: SHARED_KEY_ID }, { keyId: SHARED_KEY_ID, accountId: OTHER_ACCOUNT }],
      }),
    });
    expect(seeded.status).toBe(200);
    const a = kmsClient(emulator);
    const b = kmsClient(emulator, { accessKeyId: 'LTAIaccountB', secret: 'b-secret' });
    expect((await b.call('DescribeKey', { KeyId: SHARED_KEY_ID })).KeyMetadata.Arn).toContain(OTHER_ACCOUNT);

    await a.call('ScheduleKeyDeletion', { KeyId: SHARED_KEY_ID, PendingWindowInDays: 30 });
    await b.call('ScheduleKeyDeletion', { KeyId: SHARED_KEY_ID, PendingWindowInDays: 7 });
    const fired = await advance(emulator, '31d');
    const purges = (fired.fired as Body[]).filter((f) => f.type === 'key.purge');
    expect(purges).toHaveLength(2);
    // The report keeps its shape and names the key as before.
    for (const purge of purges) {
      expect(Object.keys(purge).sort()).toEqual(['at', 'id', 'result', 'type']);
      expect(purge.id).toBe(`key.purge:${SHARED_KEY_ID}`);
      expect(purge.result).toContain('deleted');
    }
    expect(await a.fails('DescribeKey', { KeyId: SHARED_KEY_ID })).toBe('Forbidden.KeyNotFound');
    expect(await b.fails('DescribeKey', { KeyId: SHARED_KEY_ID })).toBe('Forbidden.KeyNotFound');
  });

  it('cancelling one account’s deletion leaves the other account’s purge in place', async () => {
    emulator = await startEmulator({ env: {} });
    await fetch(`${emulator.url}/_emulator/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        principals: [{ accessKeyId: 'LTAIaccountB', accessKeySecret: 'b-secret', accountId: OTHER_ACCOUNT }],
        keys: [{ keyId: SHARED_KEY_ID }, { keyId: SHARED_KEY_ID, accountId: OTHER_ACCOUNT }],
      }),
    });
    const a = kmsClient(emulator);
    const b = kmsClient(emulator, { accessKeyId: 'LTAIaccountB', secret: 'b-secret' });
    await a.call('ScheduleKeyDeletion', { KeyId: SHARED_KEY_ID, PendingWindowInDays: 7 });
    await b.call('ScheduleKeyDeletion', { KeyId: SHARED_KEY_ID, PendingWindowInDays: 7 });
    const jobs = emulator.world.scheduler.pending().filter((job) => job.type === 'key.purge');
    expect(jobs.map((job) => job.id).sort()).toEqual([
      `key.purge:1234567890123456/cn-hangzhou:${SHARED_KEY_ID}`,
      `key.purge:${OTHER_ACCOUNT}/cn-hangzhou:${SHARED_KEY_ID}`,
    ]);
    await b.call('CancelKeyDeletion', { KeyId: SHARED_KEY_ID });
    await advance(emulator, '8d');
    expect(await a.fails('DescribeKey', { KeyId: SHARED_KEY_ID })).toBe('Forbidden.KeyNotFound');
    expect((await b.call('DescribeKey', { KeyId: SHARED_KEY_ID })).KeyMetadata.KeyState).toBe('Enabled');
  });
});

describe('each job runs in its own transaction (#24 §4)', () => {
  async function setUp() {
    const store = new Store();
    await store.open();
    const clock = new VirtualClock(() => 0);
    clock.freeze();
    return { store, clock, scheduler: new Scheduler(store, clock) };
  }

  it('a job that writes and then throws leaves no write behind, and is reported failed', async () => {
    const { store, scheduler } = await setUp();
    const notes = store.table<{ n: number }>('notes');
    scheduler.register('half-done', () => {
      notes.put('p', 'written', { n: 1 });
      throw new Error('broke after writing');
    });
    scheduler.schedule('j', 'half-done', 10);
    const fired = scheduler.advanceTo(20);
    expect(fired).toEqual([
      { at: '1970-01-01T00:00:00Z', type: 'half-done', id: 'j', result: 'failed: broke after writing' },
    ]);
    expect(notes.get('p', 'written')).toBeUndefined();
    // Reported once, not run again.
    expect(scheduler.pending()).toEqual([]);
    expect(scheduler.advanceTo(30)).toEqual([]);
  });

  it('a defined job type: typed payload, scoped id, and a failure undoes its writes and the jobs it scheduled', async () => {
    const { store, scheduler } = await setUp();
    const notes = store.table<{ text: string }>('notes');
    const scope = { accountId: '1', regionId: 'cn-hangzhou' };
    const follow = scheduler.define<{ text: string }>('follow', ({ scope: s, id, payload }) => {
      notes.put(`${s.accountId}/${s.regionId}`, id, { text: payload.text });
      return `noted ${payload.text}`;
    });
    const fail = scheduler.define<{ text: string }>('fail', ({ scope: s, id, payload }) => {
      notes.put(`${s.accountId}/${s.regionId}`, id, { text: payload.text });
      follow.schedule(s, 'later', 100, { text: 'never' });
      throw new Error('no');
    });
    follow.schedule(scope, 'r1', 10, { text: 'one' });
    fail.schedule(scope, 'r2', 20, { text: 'two' });
    expect(follow.get(scope, 'r1')?.id).toBe('follow:1/cn-hangzhou:r1');
    expect(follow.get({ accountId: '2', regionId: 'cn-hangzhou' }, 'r1')).toBeUndefined();
    const fired = scheduler.advanceTo(50);
    expect(fired.map((f) => [f.id, f.result])).toEqual([
      ['follow:r1', 'noted one'],
      ['fail:r2', 'failed: no'],
    ]);
    expect(notes.get('1/cn-hangzhou', 'r1')).toEqual({ text: 'one' });
    expect(notes.get('1/cn-hangzhou', 'r2')).toBeUndefined();
    expect(follow.get(scope, 'later')).toBeUndefined();
    expect(scheduler.pending()).toEqual([]);
  });

  it('a failing job inside a transaction undoes only itself', async () => {
    const { store, scheduler } = await setUp();
    const notes = store.table<{ n: number }>('notes');
    scheduler.register('boom', () => {
      notes.put('p', 'job', { n: 2 });
      throw new Error('boom');
    });
    scheduler.schedule('j', 'boom', 0);
    store.transaction(() => {
      notes.put('p', 'request', { n: 1 });
      expect(scheduler.runDue()[0]?.result).toBe('failed: boom');
    });
    expect(notes.get('p', 'request')).toEqual({ n: 1 });
    expect(notes.get('p', 'job')).toBeUndefined();
  });
});

describe('jobs of an older state file (#24 §4)', () => {
  it('a key.purge:<keyId> job without a scope is moved to its scoped id, cancelled by it and run by its handler', async () => {
    const store = new Store();
    await store.open();
    const clock = new VirtualClock(() => 0);
    clock.freeze();
    const masterKey = Buffer.alloc(32, 7);
    const first = new World(clock, new SeededRandom('1'), store, masterKey);
    const scope = { accountId: '1234567890123456', regionId: 'cn-hangzhou' };
    const doomed = first.keys.create(scope, { keyId: 'legacy-doomed' });
    const kept = first.keys.create(scope, { keyId: 'legacy-kept' });
    const jobs = store.table<Record<string, unknown>>('jobs');
    for (const key of [doomed, kept]) {
      first.keys.scheduleDeletion(scope, key.keyId, 7);
      // As an older version stored it: no account or region in the id, the scope in the payload.
      first.scheduler.cancel(`key.purge:${scope.accountId}/${scope.regionId}:${key.keyId}`);
      jobs.put('all', `key.purge:${key.keyId}`, {
        id: `key.purge:${key.keyId}`,
        type: 'key.purge',
        at: 7 * DAY,
        payload: { ...scope, keyId: key.keyId },
        seq: 1,
      });
    }

    const world = new World(clock, new SeededRandom('1'), store, masterKey);
    expect(
      world.scheduler
        .pending()
        .map((job) => job.id)
        .sort(),
    ).toEqual([
      'key.purge:1234567890123456/cn-hangzhou:legacy-doomed',
      'key.purge:1234567890123456/cn-hangzhou:legacy-kept',
    ]);
    world.keys.cancelDeletion(scope, 'legacy-kept');
    const fired = world.scheduler.advanceTo(8 * DAY);
    expect(fired).toEqual([
      {
        at: '1970-01-08T00:00:00Z',
        type: 'key.purge',
        id: 'key.purge:legacy-doomed',
        result: 'key legacy-doomed deleted (its deletion window ended)',
      },
    ]);
    expect(() => world.keys.resolve(scope, 'legacy-doomed')).toThrow('not found');
    expect(world.keys.resolve(scope, 'legacy-kept').state).toBe('Enabled');
  });

  it('an old secret job (<type>:<account>/<region>/<name>) still runs, and reports the same id', async () => {
    const store = new Store();
    await store.open();
    const clock = new VirtualClock(() => 0);
    clock.freeze();
    store.table<Record<string, unknown>>('jobs').put('all', 'secret.purge:1/cn-hangzhou/db/app', {
      id: 'secret.purge:1/cn-hangzhou/db/app',
      type: 'secret.purge',
      at: DAY,
      payload: { accountId: '1', regionId: 'cn-hangzhou', name: 'db/app' },
      seq: 1,
    });
    const world = new World(clock, new SeededRandom('1'), store, Buffer.alloc(32, 7));
    expect(world.scheduler.pending()[0]?.id).toBe('secret.purge:1/cn-hangzhou:db/app');
    expect(world.scheduler.advanceTo(2 * DAY)).toEqual([
      {
        at: '1970-01-02T00:00:00Z',
        type: 'secret.purge',
        id: 'secret.purge:1/cn-hangzhou/db/app',
        result: 'nothing to purge',
      },
    ]);
  });
});
