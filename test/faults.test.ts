import RPCClient from '@alicloud/pop-core';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCESS_KEY_SECRET,
  type Emulator,
  startEmulator,
} from '../src/index.js';
import { v1Query } from './helpers/rpc.js';

let emulator: Emulator;
afterEach(() => emulator?.close());

const client = () =>
  new RPCClient({
    accessKeyId: DEFAULT_ACCESS_KEY_ID,
    accessKeySecret: DEFAULT_ACCESS_KEY_SECRET,
    endpoint: emulator.url,
    apiVersion: '2016-01-20',
  });

describe('fault injection', () => {
  it('answers the configured error for the next N matching calls, with x-acs-retry-after', async () => {
    emulator = await startEmulator();
    const api = request(emulator.app);
    const added = await api.post('/_emulator/faults').send({
      action: 'DescribeRegions',
      error: { code: 'Rejected.Throttling', retryAfterMs: 1500 },
      times: 2,
    });
    expect(added.status).toBe(200);
    expect(added.body.faults[0].id).toMatch(/^fault-/);
    const first = await api.get(`/?${v1Query('DescribeRegions')}`);
    expect(first.status).toBe(429);
    expect(first.body.Code).toBe('Rejected.Throttling');
    expect(first.headers['x-acs-retry-after']).toBe('1500');
    await expect(client().request('DescribeRegions', {})).rejects.toMatchObject({
      code: 'Rejected.Throttling',
    });
    expect((await api.get(`/?${v1Query('DescribeRegions')}`)).status).toBe(200);
    // Other actions are untouched.
    expect((await api.get(`/?${v1Query('DescribeAccountKmsStatus')}`)).status).toBe(200);
    const listed = (await api.get('/_emulator/faults')).body.faults[0];
    expect(listed).toMatchObject({ matched: 3, fired: 2 });
  });

  it('starts after M matches and matches by principal and resource', async () => {
    emulator = await startEmulator();
    const api = request(emulator.app);
    await api.post('/_emulator/faults').send({
      rules: [
        { action: 'DescribeAccountKmsStatus', after: 1, error: { code: 'ServiceUnavailableTemporary' } },
        { principal: 'LTAIsomeoneElse', error: { code: 'Forbidden.NoPermission', status: 403 } },
        { resource: 'secret-x', error: { code: 'InternalFailure' } },
      ],
    });
    expect((await api.get(`/?${v1Query('DescribeAccountKmsStatus')}`)).status).toBe(200);
    const second = await api.get(`/?${v1Query('DescribeAccountKmsStatus')}`);
    expect(second.status).toBe(503);
    expect(second.body.Code).toBe('ServiceUnavailableTemporary');
    // The resource rule matches a call naming that secret, by name or by ARN.
    const named = await api.get(`/?${v1Query('GetSecretValue', { SecretName: 'secret-x' })}`);
    expect(named.body.Code).toBe('InternalFailure');
    expect(named.status).toBe(500);
    const other = await api.get(`/?${v1Query('GetSecretValue', { SecretName: 'secret-y' })}`);
    expect(other.body.Code).not.toBe('InternalFailure');
  });

  it('adds latency and drops connections', async () => {
    emulator = await startEmulator();
    const api = request(emulator.app);
    await api.post('/_emulator/faults').send({ action: 'DescribeRegions', latencyMs: 150, times: 1 });
    const started = performance.now();
    expect((await fetch(`${emulator.url}/?${v1Query('DescribeRegions')}`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await api.delete('/_emulator/faults');
    await api.post('/_emulator/faults').send({ action: 'DescribeRegions', drop: true, times: 1 });
    await expect(fetch(`${emulator.url}/?${v1Query('DescribeRegions')}`)).rejects.toThrow();
    expect((await fetch(`${emulator.url}/?${v1Query('DescribeRegions')}`)).status).toBe(200);
  });

  it('draws probabilistic faults from the random seed: the same seed gives the same faults', async () => {
    const pattern = async () => {
      const e = await startEmulator({ randomSeed: 'faults' });
      await request(e.app)
        .post('/_emulator/faults')
        .send({ action: 'DescribeRegions', probability: 0.5, error: { code: 'Rejected.Throttling' } });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++)
        statuses.push((await request(e.app).get(`/?${v1Query('DescribeRegions')}`)).status);
      await e.close();
      return statuses.join(',');
    };
    const first = await pattern();
    expect(first).toContain('429');
    expect(first).toContain('200');
    expect(await pattern()).toBe(first);
  });

  it('refuses a rule without an effect, and clears on reset', async () => {
    emulator = await startEmulator();
    const api = request(emulator.app);
    const bad = await api.post('/_emulator/faults').send({ action: 'DescribeRegions' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('error');
    await api.post('/_emulator/faults').send({ error: { code: 'InternalFailure' } });
    await api.post('/_emulator/reset');
    expect((await api.get('/_emulator/faults')).body.faults).toEqual([]);
    expect((await api.get(`/?${v1Query('DescribeRegions')}`)).status).toBe(200);
  });
});

describe('audit journal', () => {
  it('records every call with virtual time, principal, action, resource and outcome — never values', async () => {
    emulator = await startEmulator({ env: {} });
    const api = request(emulator.app);
    await api.post('/_emulator/clock').send({ set: '2031-05-01T12:00:00Z', freeze: true });
    await api.get(`/?${v1Query('DescribeRegions')}`);
    await api.get(`/?${v1Query('GetSecretValue', { SecretName: 'db-password', SecretData: 'hunter2' })}`);
    await api.get(`/?${v1Query('OpenKmsService')}`);
    const all = (await api.get('/_emulator/audit')).body.events;
    expect(all).toHaveLength(3);
    expect(all[0]).toMatchObject({
      time: '2031-05-01T12:00:00Z',
      accessKeyId: DEFAULT_ACCESS_KEY_ID,
      action: 'DescribeRegions',
      status: 200,
      code: 'Success',
    });
    expect(all[1]).toMatchObject({
      action: 'GetSecretValue',
      resourceArn: 'acs:kms:cn-hangzhou:1234567890123456:secret/db-password',
    });
    expect(JSON.stringify(all)).not.toContain('hunter2');
    const failures = (await api.get('/_emulator/audit?code=Forbidden.Opened')).body.events;
    expect(failures.map((e: { action: string }) => e.action)).toEqual(['OpenKmsService']);
    const byResource = (await api.get('/_emulator/audit?resource=db-password')).body.events;
    expect(byResource).toHaveLength(1);
    expect((await api.get('/_emulator/audit?action=DescribeRegions')).body.events).toHaveLength(1);
    await api.delete('/_emulator/audit');
    expect((await api.get('/_emulator/audit')).body.events).toEqual([]);
  });
});
