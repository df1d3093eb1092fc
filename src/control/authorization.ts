import type { Router } from 'express';
import type { AuthorizationDecision } from '../domain/authorization/index.js';
import { principalArn } from '../domain/authorization/index.js';
import type { Emulator } from '../emulator.js';
import { expressModule } from '../lazy-express.js';
import { KmsError } from '../protocol/errors.js';
import { handle } from './routes.js';

/**
 * The authorization simulator and what it learnt (issue #25 §8):
 *
 *   POST /_emulator/authorize {accessKeyId, action, resource, context?} | {accessKeyId, product?, operation, params?}
 *        → {decision, principal, matched, unevaluated, reason} without calling anything
 *   GET  /_emulator/authorize/denials[?accessKeyId=]   recent denials (and audit mode's would-be denials), with why
 *   GET  /_emulator/authorize/suggest?accessKeyId=     the least policy that would have allowed what was denied
 */
export function authorizationRoutes(emulator: Emulator): Router {
  const router = expressModule().Router();

  router.post(
    '/authorize',
    handle((req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const accessKeyId = text(body, 'accessKeyId', true) as string;
      // Built-in pairs, and the world's identities: RAM users' AccessKeys, STS sessions, seeded pairs.
      const known = emulator.credentialOf(accessKeyId)?.principal;
      if (!known) throw new KmsError('InvalidAccessKeyId.NotFound', `No AccessKey ${accessKeyId} is known.`);
      const scope = {
        accountId: known.accountId,
        regionId: text(body, 'regionId') ?? emulator.options.defaultRegion,
      };
      const rawContext = (body.context ?? {}) as Record<string, unknown>;
      if (typeof rawContext !== 'object' || Array.isArray(rawContext))
        throw new KmsError('InvalidParameter', '"context" must be an object.');
      const context = {
        sourceIp: typeof rawContext.sourceIp === 'string' ? rawContext.sourceIp : undefined,
        secureTransport: rawContext.secureTransport === true,
        ...(isStringMap(rawContext.tags) ? { tags: rawContext.tags } : {}),
      };
      const caller = emulator.authorizer.caller(known);
      if (!caller) {
        return {
          decision: 'Allow',
          principal: { type: 'Account', accountId: known.accountId, arn: `acs:ram::${known.accountId}:root` },
          matched: [],
          unevaluated: [],
          reason: "The account's own AccessKey (its root): RAM does not evaluate the account itself.",
        };
      }
      const operation = text(body, 'operation');
      let decision: AuthorizationDecision | undefined;
      if (operation !== undefined) {
        const productCode = text(body, 'product') ?? emulator.products.main.code;
        const product = emulator.products.byCode(productCode);
        if (!product) throw new KmsError('InvalidParameter', `No product "${productCode}".`);
        const spec = product.find(operation);
        const params = isStringMap(body.params) ? body.params : {};
        decision = emulator.authorizer.decide(
          caller,
          product,
          spec.name,
          params,
          scope,
          emulator.world,
          context,
        );
      } else {
        const action = text(body, 'action', true) as string;
        const resource = text(body, 'resource') ?? '*';
        decision = emulator.authorizer.decideAction(caller, action, resource, scope, emulator.world, context);
      }
      if (!decision) {
        return {
          decision: 'Allow',
          principal: principalView(caller.principal),
          matched: [],
          unevaluated: [],
          reason: 'The operation checks no permission.',
        };
      }
      return decisionView(decision);
    }),
  );

  router.get(
    '/authorize/denials',
    handle((req) => {
      const accessKeyId =
        new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('accessKeyId') ?? undefined;
      return {
        mode: emulator.authorizer.mode,
        denials: emulator.authorizer.denials(accessKeyId).map((d) => ({
          requestId: d.requestId,
          time: new Date(d.time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          accessKeyId: d.accessKeyId,
          product: d.product,
          operation: d.operation,
          allowedByMode: d.allowedByMode,
          ...decisionView(d.decision),
        })),
      };
    }),
  );

  router.get(
    '/authorize/suggest',
    handle((req) => {
      const accessKeyId = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').get('accessKeyId');
      if (!accessKeyId) throw new KmsError('MissingParameter', '"accessKeyId" is required.');
      const denied = emulator.authorizer.denials(accessKeyId);
      // One statement per resource set: the actions denied on exactly those resources.
      const byAction = new Map<string, Set<string>>();
      for (const d of denied) {
        if (d.decision.decision !== 'ImplicitDeny') continue;
        const resources = byAction.get(d.decision.action) ?? new Set<string>();
        resources.add(d.decision.resource);
        byAction.set(d.decision.action, resources);
      }
      const statements = new Map<string, { Effect: 'Allow'; Action: string[]; Resource: string[] }>();
      for (const [action, resources] of byAction) {
        const list = [...resources].sort();
        const key = list.join('\n');
        const statement = statements.get(key) ?? { Effect: 'Allow' as const, Action: [], Resource: list };
        statement.Action.push(action);
        statements.set(key, statement);
      }
      const explicit = denied.filter((d) => d.decision.decision === 'ExplicitDeny').length;
      return {
        accessKeyId,
        denials: denied.length,
        policy: { Version: '1', Statement: [...statements.values()] },
        ...(explicit > 0 && {
          note: `${explicit} denial(s) were explicit: an Allow cannot lift them; change the policy that denies.`,
        }),
      };
    }),
  );

  return router;
}

export function decisionView(decision: AuthorizationDecision) {
  return {
    decision: decision.decision,
    principal: principalView(decision.principal),
    action: decision.action,
    resource: decision.resource,
    resourceOwnerId: decision.resourceOwnerId,
    crossAccount: decision.crossAccount,
    reason: decision.reason,
    ...(decision.policyType ? { policyType: decision.policyType } : {}),
    matched: decision.matched.map((m) => ({
      policy: m.policy,
      policyType: m.policyType,
      ...(m.policyVersion ? { policyVersion: m.policyVersion } : {}),
      statement: m.statement,
      effect: m.effect,
    })),
    unevaluated: decision.unevaluated.map((u) => ({
      policy: u.policy,
      policyType: u.policyType,
      statement: u.statement,
      reason: u.reason,
    })),
  };
}

function principalView(principal: AuthorizationDecision['principal']) {
  return { ...principal, arn: principalArn(principal) };
}

function text(body: Record<string, unknown>, name: string, required = false): string | undefined {
  const value = body[name];
  if (value === undefined || value === '') {
    if (required) throw new KmsError('MissingParameter', `"${name}" is required.`);
    return undefined;
  }
  if (typeof value !== 'string') throw new KmsError('InvalidParameter', `"${name}" must be a string.`);
  return value;
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
