import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response, Router } from 'express';
import type { Emulator } from '../../emulator.js';
import { expressModule } from '../../lazy-express.js';
import { PACKAGE_ROOT } from '../../paths.js';
import { buildCoverage, type CoverageReport } from '../coverage-report.js';
import { worldView } from './world-view.js';

const ROOT = PACKAGE_ROOT;
const PAGE_DIR = join(ROOT, 'ui');

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/**
 * The dashboard's page and its two files (GET /_emulator/ui, /ui/app.js, /ui/app.css): static, with
 * no data in them, so a browser may load them without the control token the address bar cannot
 * send; the data the page then fetches carries it.
 */
export function dashboardPage(): Router {
  const router = expressModule().Router();
  router.get(['/ui', '/ui/'], (_req, res) => {
    page(res, 'index.html', 'text/html; charset=utf-8');
  });
  router.get('/ui/:asset', (req, res) => {
    const asset = String(req.params.asset);
    const type = ASSETS[asset];
    if (!type) {
      res.status(404).json({ error: 'NotFound', message: 'No such dashboard file.' });
      return;
    }
    page(res, asset, type);
  });
  return router;
}

/**
 * The read-only views the dashboard needs: GET /_emulator/world (metadata of every resource, never a
 * value or key material; RAM principals, policies and recent denials under `access`) and GET /_emulator/coverage. Everything the page changes goes through the
 * other control endpoints.
 */
export function dashboardDataRoutes(emulator: Emulator): Router {
  const router = expressModule().Router();
  let coverage: CoverageReport | undefined;

  router.get('/world', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(worldView(emulator.world, emulator.world.store, emulator.authorizer));
  });

  // The source and tests do not change while the emulator runs: computed once.
  router.get('/coverage', (_req, res) => {
    coverage ??= buildCoverage(ROOT);
    res.json(coverage);
  });

  return router;
}

function page(res: Response, file: string, type: string): void {
  let body: string;
  try {
    body = readFileSync(join(PAGE_DIR, file), 'utf8');
  } catch {
    res.status(404).json({ error: 'NotFound', message: `The dashboard file ${file} is missing.` });
    return;
  }
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Only the emulator's own files and endpoints: no inline script, no other origin.
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.send(body);
}
