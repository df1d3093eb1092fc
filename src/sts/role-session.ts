import type { RoleRecord } from '../domain/ram/directory.js';
import { isoSeconds } from '../domain/time.js';
import type { World } from '../domain/world.js';
import { KmsError } from '../protocol/errors.js';
import { roleArn } from '../ram/policies.js';

/**
 * A role's STS session, as AssumeRole makes it (src/sts/sessions.ts) and as the credentials URI
 * serves it (GET /_emulator/credentials/<role>, src/control/credentials-uri.ts): the duration checked
 * against the role's MaxSessionDuration, an `STS.` AccessKey with its secret and security token that
 * signs as `role/<name>/<session>` until it expires on the virtual clock.
 */
export const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
export const MIN_DURATION_SECONDS = 900;
export const DEFAULT_DURATION_SECONDS = 3600;

export interface RoleSession {
  /** AssumeRole's `Credentials`: what the credentials libraries read. */
  credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
  /** AssumeRole's `AssumedRoleUser`. */
  assumedRoleUser: { Arn: string; AssumedRoleId: string };
}

export function startRoleSession(
  world: World,
  role: RoleRecord,
  request: { sessionName: string; durationSeconds?: number; policy?: string },
): RoleSession {
  const { sessionName, policy } = request;
  if (!SESSION_NAME.test(sessionName)) throw new KmsError('InvalidParameter.RoleSessionName');
  const duration = request.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  if (!Number.isInteger(duration) || duration < MIN_DURATION_SECONDS || duration > role.maxSessionDuration) {
    throw new KmsError(
      'InvalidParameter.DurationSeconds',
      `The Min/Max value of DurationSeconds is ${MIN_DURATION_SECONDS}/${role.maxSessionDuration} seconds.`,
    );
  }
  const session = world.identities.createSession({
    accountId: role.accountId,
    roleName: role.roleName,
    roleId: role.roleId,
    sessionName,
    durationMs: duration * 1000,
    ...(policy !== undefined ? { policy } : {}),
  });
  return {
    credentials: {
      AccessKeyId: session.accessKeyId,
      AccessKeySecret: session.accessKeySecret,
      SecurityToken: session.securityToken,
      Expiration: isoSeconds(session.expiration),
    },
    assumedRoleUser: {
      Arn: `${roleArn(role.accountId, role.roleName)}/${sessionName}`,
      AssumedRoleId: `${role.roleId}:${sessionName}`,
    },
  };
}
