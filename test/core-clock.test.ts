import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/domain/clock.js';
import { SeededRandom } from '../src/domain/random.js';
import { Scheduler } from '../src/domain/scheduler.js';
import { type Emulator, startEmulator } from '../src/index.js';
import { Store } from '../src/store/store.js';
import { v1Query } from './helpers/rpc.js';

const HOUR = 3600_000;

describe('VirtualClock', () => {
  it('runs on wall time plus an offset, or frozen', () => {
    let wall = 1_000_000;
    const clock = new VirtualClock(() => wall);
    expect(clock.now()).toBe(1_000_000);
    clock.set(5_000_000);
    wall += 10;
    expect(clock.now()).toBe(5_000_010);
    clock.freeze();
    wall += 1000;
    expect(clock.now()).toBe(5_000_010);
    clock.resume();
    wall += 5;
    expect(clock.now()).toBe(5_000_015);
  });
});

describe('Scheduler', () => {
  it('runs each due job once, in time order, moving the clock to each job', async () => {
    const store = new Store();
    await store.open();
    const clock = new VirtualClock(() => 0);
    clock.freeze();
    const scheduler = new Scheduler(store, clock);
    const seen: string[] = [];
    scheduler.register('note', (job) => {
      seen.push(`${job.payload.name}@${clock.now() / HOUR}h`);
      if (job.payload.name === 'b') scheduler.schedule('d', 'note', clock.now() + HOUR, { name: 'd' });
      return `noted ${job.payload.name}`;
    });
    scheduler.schedule('c', 'note', 30 * HOUR, { name: 'c' });
    scheduler.schedule('a', 'note', 1 * HOUR, { name: 'a' });
    scheduler.schedule('b', 'note', 2 * HOUR, { name: 'b' });
    scheduler.schedule('x', 'note', 3 * HOUR, { name: 'x' });
    scheduler.cancel('x');
    const fired = scheduler.advanceTo(24 * HOUR);
    expect(seen).toEqual(['a@1h', 'b@2h', 'd@3h']);
    expect(fired.map((f) => f.result)).toEqual(['noted a', 'noted b', 'noted d']);
    expect(fired[0]?.at).toBe('1970-01-01T01:00:00Z');
    expect(clock.now()).toBe(24 * HOUR);
    expect(scheduler.advanceTo(25 * HOUR)).toEqual([]);
    expect(seen).toHaveLength(3);
    expect(scheduler.pending().map((j) => j.id)).toEqual(['c']);
  });

  it('persists jobs: a new scheduler on the same store sees them', async () => {
    const store = new Store();
    await store.open();
    const clock = new VirtualClock(() => 0);
    new Scheduler(store, clock).schedule('later', 'note', HOUR);
    expect(new Scheduler(store, clock).pending().map((j) => j.id)).toEqual(['later']);
  });

  it('reports a failing handler instead of dying', async () => {
    const store = new Store();
    await store.open();
    const clock = new VirtualClock(() => 0);
    const scheduler = new Scheduler(store, clock);
    scheduler.register('boom', () => {
      throw new Error('kaboom');
    });
    scheduler.schedule('j', 'boom', 10);
    expect(scheduler.advanceTo(20)[0]?.result).toBe('failed: kaboom');
  });
});

describe('SeededRandom', () => {
  it('is reproducible from its seed', () => {
    expect(new SeededRandom('42').bytes(40)).toEqual(new SeededRandom('42').bytes(40));
    expect(new SeededRandom('42').bytes(16)).not.toEqual(new SeededRandom('43').bytes(16));
  });
});

describe('/_emulator clock and reset', () => {
  let emulator: Emulator;
  afterEach(() => emulator?.close());

  it('advances, sets, freezes and resumes the clock, reporting fired jobs', async () => {
    emulator = await startEmulator();
    const api = request(emulator.app);
    const before = (await api.get('/_emulator/clock')).body;
    emulator.world.scheduler.register('test.job', (job) => `ran ${job.id}`);
    emulator.world.scheduler.schedule('job-1', 'test.job', before.epochMs + 47 * HOUR);
    emulator.world.scheduler.schedule('job-2', 'test.job', before.epochMs + 49 * HOUR);

    const advanced = (await api.post('/_emulator/clock').send({ advance: '48h' })).body;
    expect(advanced.fired).toEqual([
      expect.objectContaining({ id: 'job-1', type: 'test.job', result: 'ran job-1' }),
    ]);
    expect(advanced.epochMs - before.epochMs).toBeGreaterThanOrEqual(48 * HOUR);
    expect(advanced.epochMs - before.epochMs).toBeLessThan(48 * HOUR + 5000);

    const bySeconds = (await api.post('/_emulator/clock').send({ advance: 3600 })).body;
    expect(bySeconds.fired.map((f: { id: string }) => f.id)).toEqual(['job-2']);

    const frozen = (await api.post('/_emulator/clock').send({ set: '2030-01-01T00:00:00Z', freeze: true }))
      .body;
    expect(frozen).toMatchObject({ now: '2030-01-01T00:00:00Z', frozen: true });
    await new Promise((r) => setTimeout(r, 20));
    expect((await api.get('/_emulator/clock')).body.now).toBe('2030-01-01T00:00:00Z');
    expect((await api.get('/_emulator/health')).body.clock.now).toBe('2030-01-01T00:00:00Z');
    const resumed = (await api.post('/_emulator/clock').send({ resume: true })).body;
    expect(resumed.frozen).toBe(false);

    const bad = await api.post('/_emulator/clock').send({ advance: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('advance');
  });

  it('reset forgets state and returns the clock to wall time', async () => {
    emulator = await startEmulator();
    const api = request(emulator.app);
    emulator.world.accounts.setStatus('1234567890123456', 'NotEnabled');
    await api.post('/_emulator/clock').send({ advance: '30d' });
    const reset = await api.post('/_emulator/reset');
    expect(reset.status).toBe(200);
    expect(Math.abs(Date.parse(reset.body.clock.now) - Date.now())).toBeLessThan(5000);
    expect((await api.get(`/?${v1Query('DescribeAccountKmsStatus')}`)).body.AccountStatus).toBe('Enabled');
  });

  it('a random seed makes request IDs reproducible from run to run', async () => {
    const ids = async () => {
      const e = await startEmulator({ randomSeed: '7' });
      const out = [];
      for (let i = 0; i < 3; i++)
        out.push((await request(e.app).get(`/?${v1Query('DescribeRegions')}`)).body.RequestId);
      await e.close();
      return out;
    };
    const first = await ids();
    expect(await ids()).toEqual(first);
    // A reset starts a new generation: same run to run, never a repeat within the process.
    const again = await startEmulator({ randomSeed: '7' });
    await request(again.app).post('/_emulator/reset');
    expect((await request(again.app).get(`/?${v1Query('DescribeRegions')}`)).body.RequestId).not.toBe(
      first[0],
    );
    await again.close();
    emulator = await startEmulator({ randomSeed: '8' });
    expect((await request(emulator.app).get(`/?${v1Query('DescribeRegions')}`)).body.RequestId).not.toBe(
      first[0],
    );
  });
});
