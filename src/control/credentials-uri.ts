import type { Request, Response, Router } from 'express';
import { isoSeconds } from '../domain/time.js';
import type { Emulator } from '../emulator.js';
import { expressModule } from '../lazy-express.js';
import { DEFAULT_ACCOUNT_ID } from '../protocol/credentials.js';
import { KmsError } from '../protocol/errors.js';
import { sendJson } from '../protocol/pieces.js';
import { roleArn } from '../ram/policies.js';
import { startRoleSession } from '../sts/role-session.js';

/**
 * The emulator as an `ALIBABA_CLOUD_CREDENTIALS_URI` server (issue #25 §10):
 *
 *   GET /_emulator/credentials/<role>[?accountId=…][&duration=<seconds>][&sessionName=…]
 *   → 200 {"Code":"Success","AccessKeyId":"STS.…","AccessKeySecret":…,"SecurityToken":…,
 *          "Expiration":"2026-…Z","LastUpdated":"2026-…Z"}
 *
 * It assumes the role of the account (the default account unless `accountId` names another) as the
 * account's root would with STS AssumeRole: the role's trust policy must name the account (else 403,
 * with the authorizer's reason, in the `enforce` mode; `audit` and `off` let it through as they let
 * AssumeRole through), and the session is a real STS session that expires on the virtual clock.
 *
 * The shape is what the credentials libraries read from a credentials URI: Python
 * `alibabacloud_credentials/provider/uri.py` (1.0.12) requires `Code == "Success"` and the four
 * fields; Go `credentials-go` `providers/uri.go` (v1.4.5) and Java `credentials-java`
 * `URLCredentialProvider` read the four fields; `Expiration` is `YYYY-MM-DDTHH:MM:SSZ` (all three
 * parse it with that pattern). Errors answer `{Code, Message}` with their status (the libraries put
 * the body in their exception).
 */
export function credentialsUriRoutes(emulator: Emulator): Router {
  const router = expressModule().Router();

  router.get('/credentials/:role', async (req: Request, res: Response) => {
    try {
      sendJson(res, 200, await credentials(emulator, req));
    } catch (error) {
      if (error instanceof KmsError)
        sendJson(res, error.status, { Code: error.code, Message: error.message });
      else sendJson(res, 500, { Code: 'InternalFailure', Message: (error as Error).message });
    }
  });

  return router;
}

async function credentials(emulator: Emulator, req: Request): Promise<Record<string, string>> {
  const { world, authorizer } = emulator;
  const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
  const roleName = String(req.params.role);
  const accountId = query.get('accountId') || DEFAULT_ACCOUNT_ID;
  if (!/^\d{1,32}$/.test(accountId))
    throw new KmsError('InvalidParameter', '"accountId" must be an account ID (digits).');
  const durationText = query.get('duration');
  const durationSeconds = durationText ? Number(durationText) : undefined;
  if (durationText && !/^\d{1,9}$/.test(durationText)) {
    throw new KmsError('InvalidParameter.DurationSeconds', '"duration" must be a whole number of seconds.');
  }
  const sessionName = query.get('sessionName') || 'credentials-uri';

  const role = world.ram.findRole(accountId, roleName);
  if (!role) {
    throw new KmsError(
      'EntityNotExist.Role',
      `The role "${roleName}" does not exist in account ${accountId}.`,
      {
        status: 404,
      },
    );
  }
  const { sts } = await import('../sts/index.js');
  const scope = { accountId, regionId: emulator.options.defaultRegion };
  const arn = roleArn(accountId, role.roleName);
  // As the account's root calls AssumeRole: only the role's trust policy decides (src/ram/authorization.ts).
  const decision =
    authorizer.mode === 'enforce'
      ? authorizer.decide(
          { principal: { type: 'Account', accountId }, identityPolicies: [] },
          sts,
          'AssumeRole',
          { RoleArn: arn, RoleSessionName: sessionName },
          scope,
          world,
          { secureTransport: req.secure },
        )
      : undefined;
  if (decision && decision.decision !== 'Allow') {
    throw new KmsError(
      'NoPermission',
      `Account ${accountId} may not assume ${arn}: ${decision.reason} (the role's trust policy must name the account, e.g. "Principal": {"RAM": ["acs:ram::${accountId}:root"]}).`,
      { status: 403 },
    );
  }
  world.scheduler.runDue();
  const session = startRoleSession(world, role, {
    sessionName,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
  });
  await world.store.commit();
  return {
    Code: 'Success',
    ...session.credentials,
    LastUpdated: isoSeconds(world.clock.now()),
  };
}
