import type { Router } from 'express';
import type { Emulator } from '../emulator.js';
import { expressModule } from '../lazy-express.js';
import { KmsError } from '../protocol/errors.js';
import { sendJson, sendText } from '../protocol/pieces.js';
import { AUDIT_PAGE_LIMIT } from '../testkit/audit.js';
import type { FaultRuleInput } from '../testkit/faults.js';
import { applySeed, exportSeed, parseSeed, type Seed, SeedError } from '../testkit/seed.js';
import { toYaml } from '../testkit/yaml.js';
import { decisionView } from './authorization.js';
import { handle } from './routes.js';

function pageNumber(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new KmsError('InvalidParameter', `"${name}" must be a whole number.`);
  return n;
}

/** /_emulator/seed, /_emulator/export, /_emulator/faults and /_emulator/audit. */
export function fixtureRoutes(emulator: Emulator): Router {
  const router = expressModule().Router();

  router.post(
    '/seed',
    expressModule().text({
      type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'],
      limit: '10mb',
    }),
    handle(async (req) => {
      try {
        const seed: Seed =
          typeof req.body === 'string'
            ? parseSeed(req.body, 'seed')
            : parseSeed(JSON.stringify(req.body ?? {}), 'seed');
        const loaded = await applySeed(emulator, seed, 'seed');
        emulator.observers.control({ type: 'seed', seed });
        return loaded;
      } catch (error) {
        if (error instanceof SeedError) throw new KmsError('InvalidParameter', error.message);
        throw error;
      }
    }),
  );

  router.get('/export', (req, res) => {
    const search = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const seed = exportSeed(emulator, { includeSecrets: search.get('secrets') === 'true' });
    if (search.get('format') === 'json') sendJson(res, 200, seed);
    else sendText(res, 200, 'application/yaml; charset=utf-8', toYaml(seed));
  });

  router.get(
    '/faults',
    handle(() => ({ faults: emulator.faults.list() })),
  );
  router.post(
    '/faults',
    handle((req) => {
      const body = req.body as FaultRuleInput | { rules: FaultRuleInput[] };
      if (!body) throw new KmsError('InvalidParameter', 'Give a fault rule, or {"rules": [...]}.');
      const inputs = 'rules' in body && Array.isArray(body.rules) ? body.rules : [body as FaultRuleInput];
      if (inputs.some((rule) => typeof rule !== 'object' || rule === null || Array.isArray(rule))) {
        throw new KmsError('InvalidParameter', 'Each fault rule must be a JSON object.');
      }
      return {
        faults: inputs.map((input) => {
          const rule = emulator.faults.add(input);
          // Told per rule: when a later rule is refused, the earlier ones are in force.
          emulator.observers.control({ type: 'fault', rule: input });
          return rule;
        }),
      };
    }),
  );
  router.delete(
    '/faults',
    handle(() => {
      emulator.faults.clear();
      emulator.observers.control({ type: 'clearFaults' });
      return { faults: [] };
    }),
  );
  router.delete(
    '/faults/:id',
    handle((req) => {
      const id = String(req.params.id);
      const removed = emulator.faults.remove(id);
      emulator.observers.control({ type: 'removeFault', id, removed });
      return { removed };
    }),
  );

  router.get(
    '/audit',
    handle((req) => {
      // The app parses no query strings itself (the RPC intake reads them raw).
      const search = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
      const q = Object.fromEntries(search) as Record<string, string | undefined>;
      const offset = pageNumber(q.offset, 0, 'offset');
      const limit = Math.min(pageNumber(q.limit, AUDIT_PAGE_LIMIT, 'limit'), AUDIT_PAGE_LIMIT);
      // Paged, so the answer stays small however long the journal is: only the page is built.
      const { events, total } = emulator.audit.page(
        {
          product: q.product,
          action: q.action,
          principal: q.principal,
          resource: q.resource,
          code: q.code,
          keyVersionId: q.keyVersionId,
          secretVersionId: q.secretVersionId,
          since: q.since,
          until: q.until,
        },
        offset,
        limit,
      );
      const next = offset + events.length;
      // A denial carries its explanation while the authorizer still holds it (its recent 500).
      const explained = events.map((event) => {
        const denial = event.denied ? emulator.authorizer.denialOf(event.requestId) : undefined;
        return denial ? { ...event, authorization: decisionView(denial.decision) } : event;
      });
      return { events: explained, total, ...(next < total ? { nextOffset: next } : {}) };
    }),
  );
  router.delete(
    '/audit',
    handle(() => {
      emulator.audit.clear();
      return { events: [] };
    }),
  );

  return router;
}
