import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { mediaType } from '../protocol/body.js';
import { KmsError } from '../protocol/errors.js';

/**
 * Who may use /_emulator/*. The control plane has no signature (it is for the test harness), so a
 * web page the developer happens to open must not be able to drive it:
 * - a request a browser marks as coming from another site (`Sec-Fetch-Site: cross-site|same-site`,
 *   or an `Origin` that is not this very origin) is refused;
 * - a state-changing call with a body must say `Content-Type: application/json` (or a YAML type
 *   for a seed); a form or `text/plain` post, which a page may send without asking, is refused;
 * - without a control token, the `Host` must be a loopback name or address, the configured host,
 *   or a name the user allowed: a DNS-rebound name (`attacker.example` resolving to 127.0.0.1) is
 *   refused;
 * - with a control token, every call must carry `Authorization: Bearer <token>` (then any Host is
 *   accepted: the token, not the name, proves the caller).
 * GET of the dashboard's static page (`/ui`) is open: it holds no data.
 */
export interface ControlPolicy {
  token?: string;
  /** The configured listen host and names the user allowed (lower-case, no port). */
  allowedHosts: readonly string[];
}

export interface ControlRequest {
  method: string;
  /** Path below /_emulator, e.g. `/reset`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  hasBody: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/**
 * Body types a state-changing call may use: none of them is one a page may post cross-site without
 * a CORS preflight (which the emulator never grants), unlike text/plain or a form.
 */
export const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml']);
const CONTROL_TYPES = new Set(['application/json', ...YAML_TYPES]);

export function checkControlAccess(request: ControlRequest, policy: ControlPolicy): void {
  const method = request.method.toUpperCase();
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  if (SAFE_METHODS.has(method) && isStaticPage(request.path)) return;

  const fetchSite = header('sec-fetch-site')?.toLowerCase();
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    throw forbidden(`A ${fetchSite} browser request may not use the control plane.`);
  }
  const host = header('host') ?? '';
  const origin = header('origin');
  if (origin !== undefined && origin !== 'null' && !sameOrigin(origin, host)) {
    throw forbidden(`Origin ${origin} may not use the control plane.`);
  }
  if (origin === 'null') throw forbidden('An opaque origin may not use the control plane.');

  if (policy.token !== undefined) {
    const given = /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1]?.trim();
    if (given === undefined || !sameText(given, policy.token)) {
      throw new KmsError('Unauthorized', 'The control plane needs "Authorization: Bearer <control token>".', {
        status: 401,
      });
    }
  } else if (!hostAllowed(host, policy.allowedHosts)) {
    throw forbidden(
      `Host "${host}" is not a loopback name; allow it with --allow-host or use --control-token.`,
    );
  }

  if (!SAFE_METHODS.has(method)) {
    const contentType = header('content-type');
    if ((request.hasBody || contentType !== undefined) && !CONTROL_TYPES.has(mediaType(contentType).type)) {
      throw new KmsError(
        'UnsupportedMediaType',
        'A state-changing control call must send Content-Type: application/json (or application/yaml for a seed).',
        { status: 415 },
      );
    }
  }
}

function isStaticPage(path: string): boolean {
  return path === '/ui' || path.startsWith('/ui/');
}

/** The host name of a Host header, lower-case, without port or IPv6 brackets. */
export function hostName(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('['))
    return trimmed.slice(1, trimmed.indexOf(']') === -1 ? undefined : trimmed.indexOf(']'));
  const colon = trimmed.lastIndexOf(':');
  return colon === -1 ? trimmed : trimmed.slice(0, colon);
}

export function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return false;
}

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const name = hostName(host);
  if (name === '') return false;
  if (isLoopbackName(name)) return true;
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e.startsWith('*.') ? name.endsWith(e.slice(1)) : name === e;
  });
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false;
  }
}

function forbidden(message: string): KmsError {
  return new KmsError('Forbidden', message, { status: 403 });
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
