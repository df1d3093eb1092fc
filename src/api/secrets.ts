import { parseRotationInterval } from '../domain/keys.js';
import { checkPolicyName, policyOf, setPolicy } from '../domain/resource-policy.js';
import {
  SECRET_TYPES,
  type SecretRecord,
  type SecretType,
  type SecretValue,
  type SecretVersion,
  type ValueQuery,
} from '../domain/secrets.js';
import { isoSeconds } from '../domain/time.js';
import type { Scope, World } from '../domain/world.js';
import { KmsError } from '../protocol/errors.js';
import { paginate } from './paging.js';
import type { Params } from './params.js';
import { defineOperations } from './registry.js';

function stagesView(version: Readonly<SecretVersion>) {
  return { VersionStage: [...version.stages] };
}

function rotationView(secret: Readonly<SecretRecord>) {
  return {
    AutomaticRotation: secret.automaticRotation,
    // Answered while automatic rotation is on, as DescribeSecret documents (the interval is kept).
    ...(secret.rotationIntervalSeconds !== undefined && secret.automaticRotation !== 'Disabled'
      ? { RotationInterval: `${secret.rotationIntervalSeconds}s` }
      : {}),
    ...(secret.nextRotationDate !== undefined
      ? { NextRotationDate: isoSeconds(secret.nextRotationDate) }
      : {}),
    ...(secret.lastRotationDate !== undefined
      ? { LastRotationDate: isoSeconds(secret.lastRotationDate) }
      : {}),
  };
}

/** ExtendedConfig goes out as a JSON string: the Tea SDKs type it as a string and cast strictly. */
function extendedConfigView(secret: Readonly<SecretRecord>) {
  return secret.extendedConfig ? { ExtendedConfig: JSON.stringify(secret.extendedConfig) } : {};
}

/**
 * The cloud service that owns a secret it created for its own use. Every secret here is created by
 * its account through the API, so none is owned by a service: an empty string.
 */
function owingService(_secret: SecretRecord): string {
  return '';
}

function tagsView(world: World, scope: Scope, secret: SecretRecord) {
  return {
    Tags: {
      Tag: world.tags.list(scope, 'secret', secret.name).map((t) => ({ TagKey: t.key, TagValue: t.value })),
    },
  };
}

function dataType(params: Params): 'text' | 'binary' {
  const value = params.optString('SecretDataType') || 'text';
  if (value !== 'text' && value !== 'binary') {
    throw new KmsError(
      'InvalidParameter',
      'The specified parameter "SecretDataType" is not valid: text or binary.',
    );
  }
  return value;
}

function stringList(params: Params, name: string): string[] | undefined {
  return params.optJsonList(name, 'scalar')?.map(String);
}

/** At most this many secrets per BatchGetSecretValue call. */
export const BATCH_GET_LIMIT = 20;

function optText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** GetSecretValue's answer for one secret (the domain's read rule, `secrets.readValue`); BatchGetSecretValue gives the same per entry. */
function readSecretValue(
  world: World,
  scope: Scope,
  query: ValueQuery & { fetchExtendedConfig: boolean },
  requestId?: string,
) {
  return secretValueView(world.secrets.readValue(scope, query), query.fetchExtendedConfig, requestId);
}

function secretValueView(
  { secret, version, data }: SecretValue,
  fetchExtendedConfig: boolean,
  requestId?: string,
) {
  return {
    // BatchGetSecretValue: each entry carries the call's RequestId (the SDK's item model).
    ...(requestId ? { RequestId: requestId } : {}),
    SecretName: secret.name,
    SecretType: secret.type,
    VersionId: version.versionId,
    CreateTime: isoSeconds(version.createTime),
    SecretData: data,
    SecretDataType: version.dataType,
    VersionStages: stagesView(version),
    ...rotationView(secret),
    ...(fetchExtendedConfig ? extendedConfigView(secret) : {}),
  };
}

function secretFilters(params: Params) {
  return params.optFilters('Filters').map((f) => {
    if (!['SecretName', 'Description', 'TagKey', 'TagValue', 'SecretType'].includes(f.key)) {
      throw new KmsError('InvalidParameter', `The filter key "${f.key}" is not valid.`);
    }
    return f;
  });
}

defineOperations({
  CreateSecret: (params, { world, scope }) => {
    const type = (params.optString('SecretType') ?? 'Generic') as SecretType;
    if (!SECRET_TYPES.includes(type)) {
      throw new KmsError(
        'InvalidParameter',
        `The specified parameter "SecretType" is not valid: ${SECRET_TYPES.join(', ')}.`,
      );
    }
    const tags = params.optJson('Tags');
    const versionId = params.string('VersionId');
    const common = {
      versionId,
      description: params.optString('Description'),
      encryptionKeyId: params.optString('EncryptionKeyId') || undefined,
      dkmsInstanceId: params.optString('DKMSInstanceId') || undefined,
      policy: params.optString('Policy'),
    };
    const interval = params.optString('RotationInterval');
    const secretDataType = dataType(params);
    // The spec: for Rds, RAMCredentials and ECS secrets SecretDataType can only be text.
    if (type !== 'Generic' && secretDataType === 'binary') {
      throw new KmsError('InvalidParameter', `SecretDataType must be text for a ${type} secret.`);
    }
    const secret =
      type === 'Generic'
        ? world.secrets.create(scope, {
            ...common,
            name: params.string('SecretName'),
            type,
            data: params.string('SecretData'),
            dataType: secretDataType,
          })
        : world.managed.create(scope, {
            ...common,
            name: params.string('SecretName'),
            type,
            extendedConfig: params.optObject('ExtendedConfig'),
            secretData: params.string('SecretData'),
            rotation: {
              enabled: params.optBool('EnableAutomaticRotation') === true,
              intervalSeconds: interval ? parseRotationInterval(interval) : undefined,
            },
          });
    if (Array.isArray(tags) && tags.length > 0) world.tags.tag(scope, 'secret', secret.name, tags);
    return {
      Arn: world.secrets.arn(secret),
      SecretName: secret.name,
      VersionId: secret.versions[0]?.versionId,
      SecretType: secret.type,
      ...rotationView(secret),
      ...extendedConfigView(secret),
      ...(secret.dkmsInstanceId ? { DKMSInstanceId: secret.dkmsInstanceId } : {}),
    };
  },

  DescribeSecret: (params, { world, scope }) => {
    const name = params.string('SecretName');
    const secret = world.secrets.find(scope, name);
    if (!secret) throw new KmsError('Forbidden.ResourceNotFound');
    world.secrets.assertAvailable(scope, secret);
    // Left out for a secret under the service's own key, as the service answers (README).
    const keyId = world.secrets.chosenKeyId(scope, secret);
    return {
      SecretName: secret.name,
      Arn: world.secrets.arn(secret),
      Description: secret.description,
      ...(keyId ? { EncryptionKeyId: keyId } : {}),
      SecretType: secret.type,
      CreateTime: isoSeconds(secret.createTime),
      UpdateTime: isoSeconds(secret.updateTime),
      ...(secret.plannedDeleteTime !== undefined
        ? { PlannedDeleteTime: isoSeconds(secret.plannedDeleteTime) }
        : {}),
      OwingService: owingService(secret),
      ...rotationView(secret),
      ...extendedConfigView(secret),
      ...(secret.dkmsInstanceId ? { DKMSInstanceId: secret.dkmsInstanceId } : {}),
      ...(params.optBool('FetchTags') ? tagsView(world, scope, secret) : {}),
    };
  },

  ListSecrets: (params, { world, scope }) => {
    const filters = secretFilters(params);
    // Without filters the page is a slice of the ordered index: its cost does not grow with the secrets stored.
    const all = world.secrets.list(scope);
    const secrets =
      filters.length === 0
        ? all
        : all.filter((secret) => {
            const tags = world.tags.list(scope, 'secret', secret.name);
            return filters.every((f) => {
              const matches = (value: string) =>
                f.values.length === 0 || f.values.some((v) => value.includes(v));
              if (f.key === 'SecretName') return matches(secret.name);
              if (f.key === 'Description') return matches(secret.description);
              if (f.key === 'SecretType') return f.values.includes(secret.type);
              if (f.key === 'TagKey') return tags.some((t) => f.values.includes(t.key));
              return tags.some((t) => f.values.includes(t.value));
            });
          });
    const { page, ...paging } = paginate(secrets, params);
    const fetchTags = params.optBool('FetchTags') === true;
    return {
      SecretList: {
        Secret: page.map((s) => ({
          SecretName: s.name,
          SecretType: s.type,
          CreateTime: isoSeconds(s.createTime),
          UpdateTime: isoSeconds(s.updateTime),
          OwingService: owingService(s),
          ...(s.plannedDeleteTime !== undefined
            ? { PlannedDeleteTime: isoSeconds(s.plannedDeleteTime) }
            : {}),
          ...(fetchTags ? tagsView(world, scope, s) : {}),
        })),
      },
      ...paging,
    };
  },

  GetSecretValue: (params, { world, scope }) =>
    readSecretValue(world, scope, {
      name: params.string('SecretName'),
      stage: params.optString('VersionStage') || undefined,
      versionId: params.optString('VersionId') || undefined,
      fetchExtendedConfig: params.optBool('FetchExtendedConfig') === true,
    }),
  BatchGetSecretValue: (params, { world, scope, requestId }) => {
    const list = params.optArray('SecretsList') ?? [];
    if (list.length === 0) throw new KmsError('MissingParameter', 'The parameter "SecretsList" is required.');
    if (list.length > BATCH_GET_LIMIT) {
      throw new KmsError(
        'InvalidParameter',
        `The specified parameter "SecretsList" holds ${list.length} secrets; at most ${BATCH_GET_LIMIT} are allowed.`,
      );
    }
    const SecretValues: Record<string, unknown>[] = [];
    const Errors: Record<string, unknown>[] = [];
    for (const [index, entry] of list.entries()) {
      const item = (entry && typeof entry === 'object' ? entry : { SecretName: entry }) as Record<
        string,
        unknown
      >;
      const name = typeof item.SecretName === 'string' ? item.SecretName : '';
      try {
        if (name === '') {
          throw new KmsError('MissingParameter', `SecretsList[${index}] has no SecretName.`);
        }
        SecretValues.push(
          readSecretValue(
            world,
            scope,
            {
              name,
              stage: optText(item.VersionStage),
              versionId: optText(item.VersionId),
              fetchExtendedConfig: String(item.FetchExtendedConfig).toLowerCase() === 'true',
            },
            requestId,
          ),
        );
      } catch (err) {
        if (!(err instanceof KmsError)) throw err;
        Errors.push({ SecretName: name, Code: err.code, HttpStatus: err.status, Message: err.message });
      }
    }
    return { SecretValues, Errors };
  },

  PutSecretValue: (params, { world, scope }) => {
    const secret = world.secrets.usable(scope, params.string('SecretName'));
    if (secret.type !== 'Generic') {
      throw new KmsError(
        'Rejected.UnsupportedOperation',
        'Values of managed secrets change only by rotation.',
      );
    }
    const version = world.secrets.putValue(
      scope,
      secret,
      params.string('VersionId'),
      params.string('SecretData'),
      dataType(params),
      stringList(params, 'VersionStages') ?? ['ACSCurrent'],
    );
    return { SecretName: secret.name, VersionId: version.versionId, VersionStages: stagesView(version) };
  },

  UpdateSecret: (params, { world, scope }) => {
    const secret = world.secrets.usable(scope, params.string('SecretName'));
    const description = params.optString('Description');
    if (description !== undefined) secret.description = description;
    const custom = params.optObject('ExtendedConfig.CustomData');
    if (custom !== undefined) {
      if (!secret.extendedConfig)
        throw new KmsError('InvalidParameter', 'Only managed secrets have an ExtendedConfig.');
      secret.extendedConfig = { ...secret.extendedConfig, CustomData: custom };
    }
    world.secrets.save(secret);
    return { SecretName: secret.name };
  },

  UpdateSecretVersionStage: (params, { world, scope }) => {
    const secret = world.secrets.moveStage(scope, params.string('SecretName'), {
      stage: params.string('VersionStage'),
      from: params.optString('RemoveFromVersion') || undefined,
      to: params.optString('MoveToVersion') || undefined,
    });
    return { SecretName: secret.name };
  },

  ListSecretVersionIds: (params, { world, scope }) => {
    const secret = world.secrets.usable(scope, params.string('SecretName'));
    const includeDeprecated = params.optBool('IncludeDeprecated') === true;
    const versions = secret.versions.filter((v) => includeDeprecated || v.stages.length > 0);
    const { page, ...paging } = paginate(versions, params);
    return {
      SecretName: secret.name,
      VersionIds: {
        VersionId: page.map((v) => ({
          VersionId: v.versionId,
          CreateTime: isoSeconds(v.createTime),
          VersionStages: stagesView(v),
        })),
      },
      ...paging,
    };
  },

  DeleteSecret: (params, { world, scope }) => {
    const name = params.string('SecretName');
    const secret = world.secrets.find(scope, name);
    if (!secret) throw new KmsError('Forbidden.ResourceNotFound');
    if (params.optBool('ForceDeleteWithoutRecovery') === true) {
      world.secrets.purge(scope, secret);
      return { SecretName: secret.name, PlannedDeleteTime: isoSeconds(world.now()) };
    }
    if (secret.plannedDeleteTime !== undefined) throw new KmsError('Rejected.ResourceInDeleteWindow');
    const raw = params.optString('RecoveryWindowInDays');
    const days = raw === undefined || raw === '' ? 30 : Number(raw);
    return {
      SecretName: secret.name,
      PlannedDeleteTime: isoSeconds(world.secrets.scheduleDeletion(scope, secret, days)),
    };
  },

  RestoreSecret: (params, { world, scope }) => {
    world.secrets.restore(scope, params.string('SecretName'));
    return { SecretName: params.string('SecretName') };
  },

  RotateSecret: (params, { world, scope }) => {
    const secret = world.secrets.usable(scope, params.string('SecretName'));
    const versionId = world.managed.rotate(scope, secret, params.string('VersionId'), false);
    return { SecretName: secret.name, VersionId: versionId, Arn: world.secrets.arn(secret) };
  },

  UpdateSecretRotationPolicy: (params, { world, scope }) => {
    const secret = world.secrets.usable(scope, params.string('SecretName'));
    const interval = params.optString('RotationInterval');
    world.managed.updatePolicy(
      scope,
      secret,
      params.optBool('EnableAutomaticRotation') ?? false,
      interval ? parseRotationInterval(interval) : undefined,
    );
    return { SecretName: secret.name };
  },

  GetSecretPolicy: (params, { world, scope }) => {
    checkPolicyName(params.optString('PolicyName'), true);
    return { Policy: policyOf(world, scope, 'secret', params.string('SecretName')) };
  },

  SetSecretPolicy: (params, { world, scope }) => {
    checkPolicyName(params.optString('PolicyName'), false);
    setPolicy(world, scope, 'secret', params.string('SecretName'), params.string('Policy'));
    return {};
  },
});
