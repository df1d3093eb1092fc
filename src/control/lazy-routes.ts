import type { RequestHandler } from 'express';
import type { Emulator } from '../emulator.js';

/**
 * The /_emulator/ router, imported and built on the first control-plane request: start-up and the
 * signed API never load the control endpoints, the dashboard or the coverage report. A failure to
 * load reaches Express's error handler (InternalFailure), as any other server fault does.
 */
export function lazyControlRoutes(emulator: Emulator): RequestHandler {
  let router: Promise<RequestHandler> | undefined;
  return (req, res, next) => {
    router ??= import('./routes.js').then(({ controlRoutes }) => controlRoutes(emulator));
    router.then((handle) => handle(req, res, next), next);
  };
}
