import type { Request, Router } from 'express';
import { dataKeyVersionName, type ManagedDataKey } from '../domain/data-keys.js';
import { isoSeconds } from '../domain/time.js';
import type { Scope } from '../domain/world.js';
import type { Emulator } from '../emulator.js';
import { expressModule } from '../lazy-express.js';
import { DEFAULT_ACCOUNT_ID } from '../protocol/credentials.js';
import { KmsError } from '../protocol/errors.js';
import { handle } from './routes.js';

/**
 * Managed data keys have no create API in the real service (the console makes them); tests make
 * them here. The answers never carry key material: GetManagedDataKey is how it is read.
 *
 *   POST   /_emulator/managed-data-keys {DataKeyName, KmsInstanceId, KeyId, Length? (1–1024, default 32)
 *                                        | Plaintext? (base64, 1–1024 bytes: an imported key)}
 *   POST   /_emulator/managed-data-keys/{name}/rotate    a new version (created keys only)
 *   GET    /_emulator/managed-data-keys                  DELETE /_emulator/managed-data-keys/{name}
 *   GET    /_emulator/challenge-key                      GetChallenge's public key, PEM (?format=jwk: a JWK)
 * Each body (or query, for GET and DELETE) may carry accountId and regionId.
 */
/** The query string as an object (the app parses none: `query parser` is off in server.ts). */
function queryOf(req: Request): Record<string, string> {
  return Object.fromEntries(new URL(req.originalUrl, 'http://control').searchParams);
}

export function dataKeyRoutes(emulator: Emulator): Router {
  const router = expressModule().Router();
  const scopeOf = (source: Record<string, unknown>): Scope => ({
    accountId: typeof source.accountId === 'string' ? source.accountId : DEFAULT_ACCOUNT_ID,
    regionId: typeof source.regionId === 'string' ? source.regionId : emulator.options.defaultRegion,
  });
  const text = (body: Record<string, unknown>, name: string): string => {
    const value = body[name];
    if (typeof value !== 'string' || value === '')
      throw new KmsError('InvalidParameter', `"${name}" is required.`);
    return value;
  };
  const view = (key: ManagedDataKey) => ({
    DataKeyName: key.name,
    KmsInstanceId: key.kmsInstanceId,
    KeyId: key.keyId,
    Origin: key.origin,
    Length: key.length,
    CreateTime: isoSeconds(key.createTime),
    Versions: key.versions.map((v) => ({
      DataKeyVersionId: v.versionId,
      DataKeyVersionName: dataKeyVersionName(key.name, v.versionId),
      CreateTime: isoSeconds(v.createTime),
    })),
  });
  const commit = async <T>(value: T): Promise<T> => {
    await emulator.world.store.commit();
    return value;
  };

  router.post(
    '/managed-data-keys',
    handle((req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      let material: Buffer | undefined;
      if (body.Plaintext !== undefined) {
        const plaintext = text(body, 'Plaintext');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(plaintext) || plaintext.length % 4 !== 0) {
          throw new KmsError('InvalidParameter', '"Plaintext" must be base64.');
        }
        material = Buffer.from(plaintext, 'base64');
      }
      if (body.Length !== undefined && !Number.isInteger(body.Length)) {
        throw new KmsError('InvalidParameter', '"Length" must be a whole number of bytes (1 to 1024).');
      }
      if (material && body.Length !== undefined) {
        throw new KmsError(
          'InvalidParameter',
          'Give "Length" (a created key) or "Plaintext" (an imported key).',
        );
      }
      const world = emulator.world;
      const key = world.store.transaction(() =>
        world.dataKeys.create(scopeOf(body), {
          name: text(body, 'DataKeyName'),
          kmsInstanceId: text(body, 'KmsInstanceId'),
          keyId: text(body, 'KeyId'),
          length: body.Length as number | undefined,
          material,
        }),
      );
      return commit({ managedDataKey: view(key) });
    }),
  );

  router.post(
    '/managed-data-keys/:name/rotate',
    handle((req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const scope = scopeOf(body);
      const name = String(req.params.name);
      const world = emulator.world;
      world.store.transaction(() => world.dataKeys.rotate(scope, name));
      return commit({ managedDataKey: view(world.dataKeys.get(scope, name)) });
    }),
  );

  router.get(
    '/managed-data-keys',
    handle((req) => ({
      managedDataKeys: emulator.world.dataKeys.list(scopeOf(queryOf(req))).map(view),
    })),
  );

  router.delete(
    '/managed-data-keys/:name',
    handle((req) => {
      const name = String(req.params.name);
      emulator.world.dataKeys.delete(scopeOf(queryOf(req)), name);
      return commit({ deleted: name });
    }),
  );

  router.get('/challenge-key', async (req, res) => {
    const { challenges, store } = emulator.world;
    // Made on first use, like the first GetChallenge would: kept in the state file from then on.
    const jwk = challenges.publicJwk();
    await store.commit();
    if (queryOf(req).format === 'jwk') {
      res.json(jwk);
      return;
    }
    res.type('application/x-pem-file').send(challenges.publicKeyPem());
  });

  return router;
}
