import type { Scope, World } from '../domain/world.js';
import { KmsError } from '../protocol/errors.js';
import type { Params } from './params.js';
import { defineOperations } from './registry.js';

/** The single-resource tag operations name the resource with KeyId, SecretName or CertificateId. */
function target(params: Params, world: World, scope: Scope): { type: string; id: string } {
  const keyId = params.optString('KeyId');
  const secretName = params.optString('SecretName');
  if (keyId) return { type: 'key', id: world.tags.resolve(scope, 'key', keyId) };
  if (secretName) return { type: 'secret', id: world.tags.resolve(scope, 'secret', secretName) };
  const certificateId = params.optString('CertificateId');
  if (certificateId)
    return { type: 'certificate', id: world.tags.resolve(scope, 'certificate', certificateId) };
  throw new KmsError(
    'MissingParameter',
    'The input parameter "KeyId", "SecretName" or "CertificateId" that is mandatory for processing this request is not supplied.',
  );
}

function jsonList(params: Params, name: string): unknown[] {
  const value = params.optJson(name);
  if (!Array.isArray(value))
    throw new KmsError('InvalidParameter', `The specified parameter "${name}" must be a JSON array.`);
  return value;
}

/** The batch tag operations document ResourceType key and secret only (certificates: TagResource). */
const BATCH_RESOURCE_TYPES = ['key', 'secret'];

function resourceType(params: Params): string {
  const type = params.string('ResourceType').toLowerCase();
  if (!BATCH_RESOURCE_TYPES.includes(type))
    throw new KmsError('InvalidParameter', `The specified parameter "ResourceType" is not valid: ${type}.`);
  return type;
}

defineOperations({
  TagResource: (params, { world, scope }) => {
    const { type, id } = target(params, world, scope);
    world.tags.tag(scope, type, id, jsonList(params, 'Tags'));
    return {};
  },

  UntagResource: (params, { world, scope }) => {
    const { type, id } = target(params, world, scope);
    world.tags.untag(scope, type, id, jsonList(params, 'TagKeys').map(String));
    return {};
  },

  ListResourceTags: (params, { world, scope }) => {
    const { type, id } = target(params, world, scope);
    const idField = type === 'key' ? 'KeyId' : 'SecretName';
    return {
      Tags: {
        Tag: world.tags
          .list(scope, type, id)
          .map((t) => ({ [idField]: id, TagKey: t.key, TagValue: t.value })),
      },
    };
  },

  TagResources: (params, { world, scope }) => {
    const type = resourceType(params);
    const ids = (params.optArray('ResourceId') ?? []).map(String);
    if (ids.length > 50)
      throw new KmsError('InvalidParameter', 'At most 50 resources can be tagged at once.');
    const resolved = ids.map((id) => world.tags.resolve(scope, type, id));
    for (const id of resolved) world.tags.tag(scope, type, id, params.optArray('Tag') ?? []);
    return {};
  },

  UntagResources: (params, { world, scope }) => {
    const type = resourceType(params);
    const ids = (params.optArray('ResourceId') ?? []).map(String);
    const keys = params.optBool('All') ? 'all' : (params.optArray('TagKey') ?? []).map(String);
    for (const id of ids) {
      let resolved: string;
      try {
        resolved = world.tags.resolve(scope, type, id);
      } catch {
        throw new KmsError('InvalidResourceId.NotFound');
      }
      world.tags.untag(scope, type, resolved, keys);
    }
    return {};
  },

  ListTagResources: (params, { world, scope }) => {
    const type = resourceType(params);
    const ids = params.optArray('ResourceId')?.map(String);
    const wanted = (params.optArray('Tag') ?? []) as { Key?: string; Value?: string }[];
    const keys = wanted.map((t) => t.Key);
    if (new Set(keys).size !== keys.length) throw new KmsError('Duplicate.TagKey');
    const resolvedIds = ids?.map((id) => {
      try {
        return world.tags.resolve(scope, type, id);
      } catch {
        throw new KmsError('InvalidResourceId.NotFound');
      }
    });
    const rows = world.tags
      .all(scope, type)
      .filter((set) => resolvedIds === undefined || resolvedIds.includes(set.id))
      .flatMap((set) =>
        set.tags.map((tag) => ({
          ResourceType: type,
          ResourceId: set.id,
          TagKey: tag.key,
          TagValue: tag.value,
        })),
      )
      .filter(
        (row) =>
          wanted.length === 0 ||
          wanted.some((t) => t.Key === row.TagKey && (t.Value === undefined || t.Value === row.TagValue)),
      );
    return { TagResources: { TagResource: rows }, NextToken: '' };
  },
});
