import type { Router } from 'express';
import type { DatabaseEngine } from '../domain/backing.js';
import type { Scope } from '../domain/world.js';
import type { Emulator } from '../emulator.js';
import { expressModule } from '../lazy-express.js';
import { DEFAULT_ACCOUNT_ID } from '../protocol/credentials.js';
import { KmsError } from '../protocol/errors.js';
import { handle } from './routes.js';

/**
 * The simulated resources behind managed secrets, and a credential check so a test can prove its
 * application picked up a rotated credential. Resources exist only when declared here or in a seed
 * file — never on first reference — so a misspelt ID fails as it would in the cloud.
 *
 *   POST /_emulator/rds-instances {DBInstanceId, Engine?: Rds|PolarDB|Redis, Accounts: [{AccountName, AccountPassword}]}
 *   POST /_emulator/ram-users     {UserName, AccessKeys?: [{AccessKeyId, AccessKeySecret}]}
 *   POST /_emulator/ecs-instances {InstanceId, Users: [{UserName, Password?, PublicKey?}]}
 *   GET  /_emulator/backing-resources          DELETE /_emulator/{rds-instances|ram-users|ecs-instances}/{id}
 *   POST /_emulator/credentials/check {DBInstanceId, AccountName, AccountPassword} | {AccessKeyId, AccessKeySecret}
 *                                     | {InstanceId, UserName, Password | PublicKey}  → {valid}
 * Each body may carry accountId and regionId (default: the default account and region).
 */
export function secretRoutes(emulator: Emulator): Router {
  const router = expressModule().Router();
  const scopeOf = (body: Record<string, unknown>): Scope => ({
    accountId: typeof body.accountId === 'string' ? body.accountId : DEFAULT_ACCOUNT_ID,
    regionId: typeof body.regionId === 'string' ? body.regionId : emulator.options.defaultRegion,
  });
  const text = (body: Record<string, unknown>, name: string): string => {
    const value = body[name];
    if (typeof value !== 'string' || value === '')
      throw new KmsError('InvalidParameter', `"${name}" is required.`);
    return value;
  };
  const list = (value: unknown): Record<string, unknown>[] => {
    if (!Array.isArray(value)) return [];
    if (value.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) {
      throw new KmsError('InvalidParameter', 'Each list entry must be a JSON object.');
    }
    return value as Record<string, unknown>[];
  };
  const commit = async <T>(value: T): Promise<T> => {
    await emulator.world.store.commit();
    return value;
  };

  router.get(
    '/rds-instances',
    handle(() => ({
      databases: emulator.world.backing.list(scopeOf({})).filter((r) => r.kind === 'database'),
    })),
  );
  router.post(
    '/rds-instances',
    handle((req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const engine = (body.Engine ?? 'Rds') as DatabaseEngine;
      if (!['Rds', 'PolarDB', 'Redis'].includes(engine))
        throw new KmsError('InvalidParameter', '"Engine" is Rds, PolarDB or Redis.');
      const accounts = Object.fromEntries(
        list(body.Accounts).map((a) => [String(a.AccountName), String(a.AccountPassword ?? '')]),
      );
      return commit({
        database: emulator.world.backing.upsertDatabase(
          scopeOf(body),
          text(body, 'DBInstanceId'),
          engine,
          accounts,
        ),
      });
    }),
  );
  router.post(
    '/ram-users',
    handle((req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const keys = list(body.AccessKeys).map((k) => ({
        accessKeyId: String(k.AccessKeyId),
        accessKeySecret: String(k.AccessKeySecret),
      }));
      return commit({
        ramUser: emulator.world.backing.upsertRamUser(scopeOf(body), text(body, 'UserName'), keys),
      });
    }),
  );
  router.post(
    '/ecs-instances',
    handle((req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const users = Object.fromEntries(
        list(body.Users).map((u) => [
          String(u.UserName),
          {
            password: u.Password === undefined ? undefined : String(u.Password),
            publicKey: u.PublicKey === undefined ? undefined : String(u.PublicKey),
          },
        ]),
      );
      return commit({
        ecsInstance: emulator.world.backing.upsertEcsInstance(scopeOf(body), text(body, 'InstanceId'), users),
      });
    }),
  );
  router.get(
    '/backing-resources',
    handle(() => ({ resources: emulator.world.backing.list(scopeOf({})) })),
  );
  for (const [path, kind] of [
    ['rds-instances', 'database'],
    ['ram-users', 'ram-user'],
    ['ecs-instances', 'ecs-instance'],
  ] as const) {
    router.delete(
      `/${path}/:id`,
      handle((req) =>
        commit({ removed: emulator.world.backing.remove(scopeOf({}), kind, String(req.params.id)) }),
      ),
    );
  }
  router.post(
    '/credentials/check',
    handle((req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      return { valid: emulator.world.backing.checkCredential(scopeOf(body), body) };
    }),
  );
  return router;
}
