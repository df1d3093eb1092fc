import type { Router } from 'express';
import { DAY } from '../domain/time.js';
import type { Emulator } from '../emulator.js';
import { expressModule } from '../lazy-express.js';
import { DEFAULT_ACCOUNT_ID } from '../protocol/credentials.js';
import { KmsError } from '../protocol/errors.js';
import { handle } from './routes.js';

/**
 * Buying and renewing a KMS instance has no API in the real service; tests do it here.
 * POST /_emulator/instances {kmsInstanceId?, accountId?, regionId?, keyQuota?, secretQuota?, vpcQuota?,
 *   spec?, startDate?, endDate? | durationDays?}
 * POST /_emulator/instances/{id}/renew {endDate? | days?} (default: one more year from now)
 * POST /_emulator/instances/{id}/share {shareWith: <account>, shared?: false} — the resource-sharing
 *   service's part: the other account may create and use keys and secrets in the instance
 */
export function instanceRoutes(emulator: Emulator): Router {
  const router = expressModule().Router();

  const scopeOf = (body: Record<string, unknown>) => ({
    accountId: typeof body.accountId === 'string' ? body.accountId : DEFAULT_ACCOUNT_ID,
    regionId: typeof body.regionId === 'string' ? body.regionId : emulator.options.defaultRegion,
  });

  const time = (value: unknown, name: string): number | undefined => {
    if (value === undefined) return undefined;
    const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) throw new KmsError('InvalidParameter', `"${name}" must be an ISO-8601 time.`);
    return at;
  };

  const count = (value: unknown, name: string): number | undefined => {
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || (value as number) < 0)
      throw new KmsError('InvalidParameter', `"${name}" must be a whole number.`);
    return value as number;
  };

  router.post(
    '/instances',
    handle(async (req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const { world } = emulator;
      const startDate = time(body.startDate, 'startDate') ?? world.now();
      const days = count(body.durationDays, 'durationDays');
      const instance = world.instances.create(scopeOf(body), {
        kmsInstanceId: typeof body.kmsInstanceId === 'string' ? body.kmsInstanceId : undefined,
        name: typeof body.name === 'string' ? body.name : undefined,
        keyQuota: count(body.keyQuota, 'keyQuota'),
        secretQuota: count(body.secretQuota, 'secretQuota'),
        vpcQuota: count(body.vpcQuota, 'vpcQuota'),
        spec: count(body.spec, 'spec'),
        startDate,
        endDate: time(body.endDate, 'endDate') ?? (days !== undefined ? startDate + days * DAY : undefined),
      });
      await world.store.commit();
      return { kmsInstance: instance };
    }),
  );

  router.post(
    '/instances/:id/renew',
    handle(async (req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const { world } = emulator;
      const days = count(body.days, 'days') ?? 365;
      const until = time(body.endDate, 'endDate') ?? world.now() + days * DAY;
      const instance = world.instances.renew(scopeOf(body), String(req.params.id), until);
      await world.store.commit();
      return { kmsInstance: instance };
    }),
  );

  router.post(
    '/instances/:id/share',
    handle(async (req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const { world } = emulator;
      if (typeof body.shareWith !== 'string' || !/^\d{16}$/.test(body.shareWith))
        throw new KmsError('InvalidParameter', '"shareWith" must be an account UID (16 digits).');
      if (body.shared !== undefined && typeof body.shared !== 'boolean')
        throw new KmsError('InvalidParameter', '"shared" must be true or false.');
      const instance = world.instances.share(
        scopeOf(body),
        String(req.params.id),
        body.shareWith,
        body.shared !== false,
      );
      await world.store.commit();
      return { kmsInstance: instance };
    }),
  );

  return router;
}
