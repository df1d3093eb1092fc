import type { IncomingHttpHeaders } from 'node:http';
import type { SignedRequest } from './auth.js';
import type { Format } from './envelope.js';
import { KmsError } from './errors.js';

/**
 * Turns an HTTP request into a POP RPC call: parameters from the query string and a form body,
 * merged; Action and Version from the x-acs-* headers or the parameters; the response format.
 */
export interface RpcCall extends SignedRequest {
  action: string | undefined;
  version: string | undefined;
  format: Format;
  host: string;
}

export interface RawHttpRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function readCall(request: RawHttpRequest): RpcCall {
  const queryStart = request.url.indexOf('?');
  const path = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const query = queryStart === -1 ? {} : parseForm(request.url.slice(queryStart + 1));
  const headers = lowerCaseHeaders(request.headers);
  const contentType = headers['content-type'] ?? '';
  const form =
    request.body.length > 0 && contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')
      ? parseForm(request.body.toString('utf8'))
      : {};
  const params = { ...query, ...form };
  return {
    method: request.method,
    path,
    headers,
    query,
    params,
    body: request.body,
    ...operationOf(headers, params),
    format: params.Format?.toUpperCase() === 'XML' ? 'XML' : 'JSON',
    host: headers.host ?? '',
  };
}

/**
 * Action and Version of a call. What was signed decides: in V3 the `x-acs-action`/`x-acs-version`
 * headers (which must be signed), in V1 the `Action`/`Version` parameters (the headers are not
 * signed). A header and a parameter that both name it must agree, or the request is refused: an
 * unsigned header must never change what a signed request does.
 */
export function operationOf(
  headers: Record<string, string | undefined>,
  params: Record<string, string>,
): { action: string | undefined; version: string | undefined } {
  const v3 = headers.authorization?.startsWith('ACS3-') === true;
  return {
    action: agreed(headers['x-acs-action'], params.Action, 'x-acs-action', 'Action', v3),
    version: agreed(headers['x-acs-version'], params.Version, 'x-acs-version', 'Version', v3),
  };
}

function agreed(
  header: string | undefined,
  param: string | undefined,
  headerName: string,
  paramName: string,
  headerFirst: boolean,
): string | undefined {
  if (header && param !== undefined && param !== '' && header !== param) {
    throw new KmsError(
      'InvalidParameter',
      `The header "${headerName}" (${JSON.stringify(header)}) disagrees with the parameter "${paramName}" (${JSON.stringify(param)}).`,
    );
  }
  return headerFirst ? header || param : param || header;
}

/** Format of the response before the call could be read fully (for early errors). */
export function guessFormat(url: string): Format {
  return /[?&]Format=xml(&|$)/i.test(url) ? 'XML' : 'JSON';
}

function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) out[name] = value;
  return out;
}

function lowerCaseHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/** Region from RegionId, else from a `kms.<region>.aliyuncs.com` host, else the default. */
export function regionOf(call: RpcCall, fallback: string): string {
  const fromParam = call.params.RegionId?.trim();
  if (fromParam) return fromParam;
  const match = /^kms(?:-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com(?::\d+)?$/i.exec(call.host);
  return match?.[1]?.toLowerCase() ?? fallback;
}
