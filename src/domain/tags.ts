import { KmsError } from '../protocol/errors.js';
import type { Table } from '../store/store.js';
import { partitionOf, type Scope, type World } from './world.js';

/**
 * Tags on keys and secrets (and any resource type a service registers): at most 20 a resource, keys
 * and values up to 128 characters, keys not starting with `aliyun` or `acs:`.
 */
export interface Tag {
  key: string;
  value: string;
}

interface TagSet {
  type: string;
  id: string;
  tags: Tag[];
}

/** Finds a resource by the name a caller gives; returns its canonical ID or throws its not-found code. */
export type ResourceResolver = (scope: Scope, id: string) => string;

const MAX_TAGS = 20;
/** Letters, digits, spaces and / \\ _ - . + = : @ (seed 000's tag rules). */
const TAG_TEXT = /^[\p{L}\p{N} /\\_.+=:@-]+$/u;

export class TagService {
  private readonly table: Table<TagSet>;
  private readonly resolvers = new Map<string, ResourceResolver>();

  constructor(world: World) {
    this.table = world.store.table<TagSet>('tags');
  }

  registerResourceType(type: string, resolver: ResourceResolver): void {
    this.resolvers.set(type, resolver);
  }

  resolve(scope: Scope, type: string, id: string): string {
    const resolver = this.resolvers.get(type);
    if (!resolver)
      throw new KmsError('InvalidParameter', `The specified parameter "ResourceType" is not valid: ${type}.`);
    return resolver(scope, id);
  }

  list(scope: Scope, type: string, id: string): Tag[] {
    return this.table.get(partitionOf(scope), `${type}:${id}`)?.tags ?? [];
  }

  all(scope: Scope, type: string): TagSet[] {
    return this.table.list(partitionOf(scope)).filter((t) => t.type === type);
  }

  /** Adds or overwrites tags. `input` is what callers write: [{Key, Value}] or [{TagKey, TagValue}]. */
  tag(scope: Scope, type: string, id: string, input: unknown[]): void {
    const incoming = input.map(parseTag);
    const seen = new Set<string>();
    for (const tag of incoming) {
      if (seen.has(tag.key)) throw new KmsError('Duplicate.TagKey', `The tag key "${tag.key}" is duplicate.`);
      seen.add(tag.key);
    }
    const current = this.list(scope, type, id).filter((t) => !seen.has(t.key));
    const tags = [...current, ...incoming];
    if (tags.length > MAX_TAGS) {
      throw new KmsError('InvalidParameter', `A resource can have at most ${MAX_TAGS} tags.`);
    }
    this.table.put(partitionOf(scope), `${type}:${id}`, { type, id, tags });
  }

  untag(scope: Scope, type: string, id: string, keys: string[] | 'all'): void {
    const tags = keys === 'all' ? [] : this.list(scope, type, id).filter((t) => !keys.includes(t.key));
    if (tags.length === 0) this.table.delete(partitionOf(scope), `${type}:${id}`);
    else this.table.put(partitionOf(scope), `${type}:${id}`, { type, id, tags });
  }

  forget(scope: Scope, type: string, id: string): void {
    this.table.delete(partitionOf(scope), `${type}:${id}`);
  }
}

function parseTag(raw: unknown): Tag {
  const item = (raw ?? {}) as Record<string, unknown>;
  const key = item.Key ?? item.TagKey ?? item.key;
  const value = item.Value ?? item.TagValue ?? item.value ?? '';
  if (
    typeof key !== 'string' ||
    key === '' ||
    key.length > 128 ||
    /^(aliyun|acs:)/i.test(key) ||
    !TAG_TEXT.test(key)
  ) {
    throw new KmsError(
      'InvalidParameter.TagKey',
      `The tag key "${String(key)}" is not valid: 1 to 128 characters, not starting with "aliyun" or "acs:".`,
    );
  }
  if (typeof value !== 'string' || value.length > 128 || (value !== '' && !TAG_TEXT.test(value))) {
    throw new KmsError(
      'InvalidParameter.TagValue',
      `The value of tag "${key}" is not valid: at most 128 characters.`,
    );
  }
  return { key, value };
}
