import type { Request, Response, Router } from 'express';
import type { Product } from '../api/product.js';
import { isoSeconds, parseDuration } from '../domain/time.js';
import type { Emulator } from '../emulator.js';
import { expressModule } from '../lazy-express.js';
import { KmsError } from '../protocol/errors.js';
import { sendJson } from '../protocol/pieces.js';
import { authorizationRoutes } from './authorization.js';
import { credentialsUriRoutes } from './credentials-uri.js';
import { dataKeyRoutes } from './data-keys.js';
import { fixtureRoutes } from './fixtures.js';
import { instanceRoutes } from './instances.js';
import { secretRoutes } from './secrets.js';
import { dashboardDataRoutes, dashboardPage } from './ui/routes.js';

/**
 * Test control under /_emulator/: health, the virtual clock, reset. Plain JSON, no signature:
 * it is for the test harness, not for the SDKs.
 */
export function controlRoutes(emulator: Emulator): Router {
  const router = expressModule().Router();
  router.use(fixtureRoutes(emulator));
  router.use(instanceRoutes(emulator));
  router.use(secretRoutes(emulator));
  router.use(dataKeyRoutes(emulator));
  router.use(authorizationRoutes(emulator));
  router.use(credentialsUriRoutes(emulator));
  router.use(dashboardPage());
  router.use(dashboardDataRoutes(emulator));

  // The TLS listener's certificate, to add to a client's trust store (e.g. a Java keystore).
  router.get('/tls-certificate', (_req, res) => {
    if (!emulator.tlsCertificate) {
      res.status(404).json({ Code: 'NotFound', Message: 'No TLS listener: start with --https-port.' });
      return;
    }
    res.type('application/x-pem-file').send(emulator.tlsCertificate);
  });

  router.get('/health', (_req, res) => {
    res.json({
      status: 'ok',
      version: emulator.version,
      clock: clockView(emulator),
      auth: emulator.authenticator.enabled ? 'on' : 'off',
      state: emulator.world.store.file ?? ':memory:',
      operations: {
        known: emulator.products.main.operations.size,
        implemented: emulator.products.main.implementedOperations().length,
      },
      products: emulator.products.list.map((p) => ({
        code: p.code,
        version: p.version,
        known: p.operations.size,
        implemented: p.implementedOperations().length,
      })),
    });
  });

  router.get('/operations', (_req, res) => {
    const list = (product: Product) =>
      [...product.operations.keys()]
        .sort()
        .map((name) => ({ name, implemented: product.isImplemented(name) }));
    res.json({
      // The main product's (KMS's), as before products were values.
      operations: list(emulator.products.main),
      products: emulator.products.list.map((p) => ({
        code: p.code,
        version: p.version,
        operations: list(p),
      })),
    });
  });

  router.get('/clock', (_req, res) => {
    res.json(clockView(emulator));
  });

  router.post(
    '/clock',
    handle(async (req) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const { clock, scheduler } = emulator.world;
      const from = clock.now();
      let fired: ReturnType<typeof scheduler.advanceTo> = [];
      if (body.set !== undefined) {
        const at = typeof body.set === 'string' ? Date.parse(body.set) : Number.NaN;
        if (Number.isNaN(at)) throw badRequest('"set" must be an ISO-8601 time.');
        checkVirtualTime(at, '"set"');
        if (at >= clock.now()) fired = scheduler.advanceTo(at);
        else clock.set(at);
      }
      if (body.advance !== undefined) {
        const by = parseDuration(body.advance);
        if (by === undefined)
          throw badRequest('"advance" must be a duration such as "48h", "7d", "90m" or seconds.');
        if (by > MAX_ADVANCE_MS)
          throw badRequest('"advance" may move the clock by at most 100 years at once.');
        checkVirtualTime(clock.now() + by, '"advance"');
        fired = fired.concat(scheduler.advanceTo(clock.now() + by));
      }
      if (body.freeze === true) clock.freeze();
      if (body.resume === true) clock.resume();
      if (
        body.set === undefined &&
        body.advance === undefined &&
        body.freeze !== true &&
        body.resume !== true
      ) {
        throw badRequest('Give one of "advance", "set", "freeze": true or "resume": true.');
      }
      emulator.saveClock();
      await emulator.world.store.commit();
      emulator.observers.control({
        type: 'clock',
        from,
        to: clock.now(),
        advance: body.advance as string | number | undefined,
        set: body.set as string | undefined,
        freeze: body.freeze === true,
        resume: body.resume === true,
      });
      return { ...clockView(emulator), fired };
    }),
  );

  router.post(
    '/reset',
    handle(async () => {
      await emulator.reset();
      return { status: 'reset', clock: clockView(emulator) };
    }),
  );

  router.get('/jobs', (_req, res) => {
    res.json({
      jobs: emulator.world.scheduler
        .pending()
        .map((job) => ({ id: job.id, type: job.type, at: isoSeconds(job.at) })),
    });
  });

  router.use((_req, res) => {
    res.status(404).json({ error: 'NotFound', message: 'No such control endpoint.' });
  });

  return router;
}

/** The latest virtual time: 9999-12-31T23:59:59Z, so every timestamp stays a 4-digit ISO-8601 year. */
export const MAX_VIRTUAL_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);
/** One advance runs every job due on the way; 100 years keeps that bounded. */
const MAX_ADVANCE_MS = 100 * 366 * 24 * 3600 * 1000;

function checkVirtualTime(at: number, what: string): void {
  if (!Number.isFinite(at) || at < 0 || at > MAX_VIRTUAL_TIME) {
    throw badRequest(`${what} must keep the clock between 1970-01-01 and 9999-12-31T23:59:59Z.`);
  }
}

function clockView(emulator: Emulator) {
  const { clock } = emulator.world;
  return { now: isoSeconds(clock.now()), epochMs: clock.now(), frozen: clock.frozen };
}

function badRequest(message: string): KmsError {
  return new KmsError('InvalidParameter', message);
}

/** Control handlers answer JSON; a KmsError becomes its status with {error, message}. */
export function handle(fn: (req: Request) => Promise<unknown> | unknown) {
  return async (req: Request, res: Response) => {
    try {
      // Not res.json: a long answer (an audit page is megabytes) goes in pieces (pieces.ts).
      sendJson(res, 200, await fn(req));
    } catch (error) {
      if (error instanceof KmsError) {
        sendJson(res, error.status, { error: error.code, message: error.message });
      } else {
        sendJson(res, 500, { error: 'InternalFailure', message: (error as Error).message });
      }
    }
  };
}
