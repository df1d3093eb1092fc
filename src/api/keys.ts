import type { KeySpec } from '../domain/crypto.js';
import { type KeyStorageMechanism, parseRotationInterval } from '../domain/keys.js';
import { checkPolicyName, policyOf, setPolicy } from '../domain/resource-policy.js';
import { isoSeconds } from '../domain/time.js';
import type { Scope, World } from '../domain/world.js';
import { KmsError } from '../protocol/errors.js';
import { paginate } from './paging.js';
import type { Params } from './params.js';
import { defineOperations } from './registry.js';

function filters(params: Params): { key: string; values: string[] }[] {
  return params.optFilters('Filters');
}

const KEY_STORAGE_MECHANISMS = ['HsmInternal', 'HsmEncryptedDatabase'];

const KEY_FILTERS: Record<string, string> = {
  KeyState: 'KeyState',
  KeySpec: 'KeySpec',
  KeyUsage: 'KeyUsage',
  ProtectionLevel: 'ProtectionLevel',
  CreatorType: 'Creator',
  DKMSInstanceId: 'DKMSInstanceId',
};

function aliasPage(
  world: World,
  scope: Scope,
  aliases: { aliasName: string; keyId: string }[],
  params: Params,
) {
  const { page, ...paging } = paginate(aliases, params);
  return {
    Aliases: {
      Alias: page.map((a) => ({
        KeyId: a.keyId,
        AliasName: a.aliasName,
        AliasArn: world.keys.aliasArn(scope, a.aliasName),
      })),
    },
    ...paging,
  };
}

defineOperations({
  CreateKey: (params, { world, scope }) => {
    const interval = params.optString('RotationInterval');
    const dkmsInstanceId = params.optString('DKMSInstanceId') || undefined;
    const storage = params.optString('KeyStorageMechanism') || undefined;
    if (storage !== undefined) {
      if (!KEY_STORAGE_MECHANISMS.includes(storage)) {
        throw new KmsError(
          'InvalidParameter',
          `The specified parameter "KeyStorageMechanism" is not valid: ${KEY_STORAGE_MECHANISMS.join(', ')}.`,
        );
      }
      if (!dkmsInstanceId) {
        throw new KmsError('InvalidParameter', 'KeyStorageMechanism is valid only with DKMSInstanceId.');
      }
      if (storage === 'HsmInternal' && params.optBool('EnableAutomaticRotation')) {
        throw new KmsError(
          'Rejected.UnsupportedOperation',
          'Keys stored with KeyStorageMechanism HsmInternal do not support rotation.',
        );
      }
    }
    const key = world.keys.create(scope, {
      description: params.optString('Description'),
      keySpec: params.optString('KeySpec') as KeySpec | undefined,
      keyUsage: params.optString('KeyUsage'),
      origin: params.optString('Origin') as 'Aliyun_KMS' | 'EXTERNAL' | undefined,
      protectionLevel: params.optString('ProtectionLevel'),
      dkmsInstanceId,
      enableAutomaticRotation: params.optBool('EnableAutomaticRotation'),
      rotationIntervalSeconds: interval ? parseRotationInterval(interval) : undefined,
      policy: params.optString('Policy'),
      keyStorageMechanism: storage as KeyStorageMechanism | undefined,
    });
    const tags = params.optJson('Tags');
    if (Array.isArray(tags) && tags.length > 0) world.tags.tag(scope, 'key', key.keyId, tags);
    // CreateKey's model has no deletion-protection fields (DescribeKey's has).
    const {
      DeletionProtection: _p,
      DeletionProtectionDescription: _d,
      ...created
    } = world.keys.metadata(key);
    return { KeyMetadata: created };
  },

  DescribeKey: (params, { world, scope }) => ({
    KeyMetadata: world.keys.metadata(world.keys.available(scope, params.string('KeyId'))),
  }),

  ListKeys: (params, { world, scope }) => {
    const active = filters(params);
    // Without filters the page is a slice of the ordered index: its cost does not grow with the keys stored.
    const userKeys = world.keys.listUserKeys(scope);
    const keys =
      active.length === 0
        ? userKeys
        : userKeys.filter((key) => {
            const meta = world.keys.metadata(key);
            return active.every((f) => {
              const field = KEY_FILTERS[f.key];
              if (!field) throw new KmsError('InvalidParameter', `The filter key "${f.key}" is not valid.`);
              const value =
                f.key === 'CreatorType' ? (key.creator === 'Kms' ? 'Service' : 'User') : String(meta[field]);
              return f.values.length === 0 || f.values.includes(value);
            });
          });
    const { page, ...paging } = paginate(keys, params);
    return { Keys: { Key: page.map((k) => ({ KeyId: k.keyId, KeyArn: world.keys.arn(k) })) }, ...paging };
  },

  UpdateKeyDescription: (params, { world, scope }) => {
    const key = world.keys.available(scope, params.string('KeyId'));
    key.description = params.string('Description');
    world.keys.save(key);
    return {};
  },

  EnableKey: (params, { world, scope }) => {
    world.keys.setState(scope, params.string('KeyId'), 'Enabled');
    return {};
  },

  DisableKey: (params, { world, scope }) => {
    world.keys.setState(scope, params.string('KeyId'), 'Disabled');
    return {};
  },

  ScheduleKeyDeletion: (params, { world, scope }) => {
    world.keys.scheduleDeletion(scope, params.string('KeyId'), params.optInt('PendingWindowInDays') ?? 0);
    return {};
  },

  CancelKeyDeletion: (params, { world, scope }) => {
    world.keys.cancelDeletion(scope, params.string('KeyId'));
    return {};
  },

  // The resource: ProtectedResourceArn (a key's or an instance's ARN), or the newest SDK's KeyId
  // or KmsInstanceId. Exactly one of them.
  SetDeletionProtection: (params, { world, scope }) => {
    const given = ['ProtectedResourceArn', 'KeyId', 'KmsInstanceId'].filter((n) => params.optString(n));
    if (given.length === 0) {
      throw new KmsError(
        'MissingParameter',
        'The input parameter "ProtectedResourceArn", "KeyId" or "KmsInstanceId" that is mandatory for processing this request is not supplied.',
      );
    }
    if (given.length > 1) {
      throw new KmsError('InvalidParameter', `Give only one of ${given.join(', ')}.`);
    }
    const enabled = params.optBool('EnableDeletionProtection') ?? false;
    const description = params.optString('DeletionProtectionDescription') ?? '';
    const arn = params.optString('ProtectedResourceArn');
    const instanceId =
      params.optString('KmsInstanceId') ?? /^acs:kms:[^:]*:[^:]*:keystore\/(.+)$/.exec(arn ?? '')?.[1];
    if (instanceId) world.instances.setDeletionProtection(scope, instanceId, enabled, description);
    else world.keys.setDeletionProtection(scope, arn ?? params.string('KeyId'), enabled, description);
    return {};
  },

  CreateAlias: (params, { world, scope }) => {
    world.keys.createAlias(scope, params.string('AliasName'), params.string('KeyId'));
    return {};
  },

  UpdateAlias: (params, { world, scope }) => {
    world.keys.updateAlias(scope, params.string('AliasName'), params.string('KeyId'));
    return {};
  },

  DeleteAlias: (params, { world, scope }) => {
    world.keys.deleteAlias(scope, params.string('AliasName'));
    return {};
  },

  ListAliases: (params, { world, scope }) => {
    const aliases = world.keys.listAliases(scope).filter((a) => !a.aliasName.startsWith('alias/acs/'));
    return aliasPage(world, scope, aliases, params);
  },

  ListAliasesByKeyId: (params, { world, scope }) => {
    const key = world.keys.resolve(scope, params.string('KeyId'));
    return aliasPage(world, scope, world.keys.listAliases(scope, key.keyId), params);
  },

  CreateKeyVersion: (params, { world, scope }) => {
    const key = world.keys.resolve(scope, params.string('KeyId'));
    const version = world.keys.createVersion(scope, key.keyId);
    return {
      KeyVersion: {
        KeyId: key.keyId,
        KeyVersionId: version.keyVersionId,
        CreationDate: isoSeconds(version.creationDate),
      },
    };
  },

  DescribeKeyVersion: (params, { world, scope }) => {
    const key = world.keys.available(scope, params.string('KeyId'));
    const version = key.versions.find((v) => v.keyVersionId === params.string('KeyVersionId'));
    if (!version) throw new KmsError('Forbidden.ResourceNotFound', 'The specified key version is not found.');
    return {
      KeyVersion: {
        KeyId: key.keyId,
        KeyVersionId: version.keyVersionId,
        CreationDate: isoSeconds(version.creationDate),
      },
    };
  },

  ListKeyVersions: (params, { world, scope }) => {
    const key = world.keys.available(scope, params.string('KeyId'));
    const { page, ...paging } = paginate(key.versions, params);
    return {
      KeyVersions: {
        KeyVersion: page.map((v) => ({
          KeyId: key.keyId,
          KeyVersionId: v.keyVersionId,
          CreationDate: isoSeconds(v.creationDate),
        })),
      },
      ...paging,
    };
  },

  UpdateRotationPolicy: (params, { world, scope }) => {
    const interval = params.optString('RotationInterval');
    world.keys.updateRotationPolicy(
      scope,
      params.string('KeyId'),
      params.optBool('EnableAutomaticRotation') ?? false,
      interval ? parseRotationInterval(interval) : undefined,
    );
    return {};
  },

  GetParametersForImport: (params, { world, scope }) => {
    const out = world.keyImport.parameters(
      scope,
      params.string('KeyId'),
      params.string('WrappingAlgorithm'),
      params.string('WrappingKeySpec'),
    );
    return {
      KeyId: out.keyId,
      ImportToken: out.token,
      PublicKey: out.publicKey,
      TokenExpireTime: isoSeconds(out.expires),
    };
  },

  ImportKeyMaterial: (params, { world, scope }) => {
    world.keyImport.importMaterial(
      scope,
      params.string('KeyId'),
      params.string('EncryptedKeyMaterial'),
      params.string('ImportToken'),
      params.optInt('KeyMaterialExpireUnix') ?? 0,
    );
    return {};
  },

  DeleteKeyMaterial: (params, { world, scope }) => {
    world.keys.deleteMaterial(scope, params.string('KeyId'));
    return {};
  },

  GetKeyPolicy: (params, { world, scope }) => {
    checkPolicyName(params.optString('PolicyName'), true);
    return { Policy: policyOf(world, scope, 'key', params.string('KeyId')) };
  },

  SetKeyPolicy: (params, { world, scope }) => {
    checkPolicyName(params.optString('PolicyName'), false);
    setPolicy(world, scope, 'key', params.string('KeyId'), params.string('Policy'));
    return {};
  },
});
