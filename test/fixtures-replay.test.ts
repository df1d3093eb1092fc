import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import RPCClient from '@alicloud/pop-core';
import { describe, expect, it } from 'vitest';
import { formatResult, readScenarioFile, runScenario, type ScenarioCaller } from '../src/index.js';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET } from '../src/protocol/credentials.js';

/**
 * Every ready-made scenario in fixtures/ replays green, with each call sent by the official
 * @alicloud/pop-core client: the walk-throughs of the product documents and one rotation story per
 * managed secret type. A scenario that drifts from the emulator's behaviour fails here.
 */
const popCore: ScenarioCaller = async (url, action, params, principal) => {
  const client = new RPCClient({
    accessKeyId: principal.accessKeyId ?? DEFAULT_ACCESS_KEY_ID,
    accessKeySecret: principal.secret ?? DEFAULT_ACCESS_KEY_SECRET,
    endpoint: url,
    apiVersion: '2016-01-20',
  });
  try {
    return {
      status: 200,
      body: (await client.request(action, params, { method: 'POST' })) as Record<string, unknown>,
    };
  } catch (error) {
    const err = error as { data?: Record<string, unknown>; entry?: { response?: { statusCode?: number } } };
    if (!err.data) throw error;
    return { status: err.entry?.response?.statusCode ?? 0, body: err.data };
  }
};

const dir = resolve(import.meta.dirname, '..', 'fixtures', 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('fixtures/scenarios replay green through @alicloud/pop-core', () => {
  it('has the walk-throughs and one scenario per managed secret type', () => {
    for (const wanted of ['rds-', 'polardb-', 'redis-', 'ram-', 'ecs-', 'secrets-walkthrough', 'versions-']) {
      expect(
        files.some((f) => f.startsWith(wanted)),
        wanted,
      ).toBe(true);
    }
  });
  it.each(files)('%s', async (file) => {
    const result = await runScenario(readScenarioFile(join(dir, file)), { caller: popCore });
    expect(result.ok, formatResult(result)).toBe(true);
    expect(result.steps.length).toBeGreaterThan(3);
  });
});
