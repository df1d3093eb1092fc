import { dataKeyVersionName } from '../domain/data-keys.js';
import { KmsError } from '../protocol/errors.js';
import { paginate } from './paging.js';
import type { Params } from './params.js';
import { defineOperations } from './registry.js';

/**
 * Managed data keys (GetManagedDataKey, ListManagedDataKeyVersions) and GetChallenge, the newest
 * operations of the SDK (kms-20160120 4.x). Managed data keys are made through
 * POST /_emulator/managed-data-keys (the service makes them in the console only).
 */

/** The SDK marks DataKeyName optional; the service cannot answer without one. */
function dataKeyName(params: Params): string {
  const name = params.optString('DataKeyName');
  if (!name) throw new KmsError('MissingParameter', 'The parameter "DataKeyName" is required.');
  return name;
}

defineOperations({
  GetManagedDataKey: (params, { world, scope }) => {
    const record = world.dataKeys.get(scope, dataKeyName(params));
    const version = world.dataKeys.version(
      record,
      params.optString('DataKeyVersionId') || undefined,
      params.optBool('UseLatest') === true,
    );
    return {
      DataKeyName: record.name,
      DataKeyVersionId: version.versionId,
      DataKeyVersionName: dataKeyVersionName(record.name, version.versionId),
      Plaintext: world.dataKeys.open(scope, record, version).toString('base64'),
    };
  },

  ListManagedDataKeyVersions: (params, { world, scope }) => {
    const record = world.dataKeys.get(scope, dataKeyName(params));
    const { page, ...paging } = paginate(record.versions, params);
    return {
      DataKeyName: record.name,
      ManagedDataKeyVersions: {
        ManagedDataKeyVersion: page.map((v) => ({
          DataKeyVersionId: v.versionId,
          DataKeyVersionName: dataKeyVersionName(record.name, v.versionId),
        })),
      },
      ...paging,
    };
  },

  GetChallenge: (_params, { world }) => {
    const { nonce, token } = world.challenges.challenge();
    return { Nonce: nonce, ChallengeToken: token };
  },
});
