import { createRequire } from 'node:module';
import type { XMLBuilder } from 'fast-xml-parser';
import type { ApiError } from './errors.js';

/** Response rendering: flat JSON, or XML under `<ActionResponse>` (FACTS §3). */
export type Format = 'JSON' | 'XML';

export const JSON_CONTENT_TYPE = 'application/json;charset=utf-8';
export const XML_CONTENT_TYPE = 'text/xml;charset=utf-8';

/** What an error envelope names of the product that answered: its host and its troubleshooting code. */
export interface AnsweringProduct {
  code: string;
  hosts: { hostId(regionId: string): string };
}

export interface Rendered {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

// Loaded on the first XML response: most users never ask for XML, and start-up time matters.
let xml: XMLBuilder | undefined;
function xmlBuilder(): XMLBuilder {
  if (!xml) {
    const { XMLBuilder: Builder } = createRequire(import.meta.url)(
      'fast-xml-parser',
    ) as typeof import('fast-xml-parser');
    xml = new Builder({ ignoreAttributes: true, format: false, suppressEmptyNode: false });
  }
  return xml;
}

function serialise(
  format: Format,
  root: string,
  payload: Record<string, unknown>,
): Pick<Rendered, 'contentType' | 'body'> {
  if (format === 'XML') {
    return {
      contentType: XML_CONTENT_TYPE,
      body: `<?xml version="1.0" encoding="UTF-8"?>${xmlBuilder().build({ [root]: payload })}`,
    };
  }
  return { contentType: JSON_CONTENT_TYPE, body: JSON.stringify(payload) };
}

export function renderSuccess(
  format: Format,
  action: string,
  requestId: string,
  result: Record<string, unknown>,
): Rendered {
  return {
    status: 200,
    headers: {},
    ...serialise(format, `${action}Response`, { RequestId: requestId, ...result }),
  };
}

export function renderError(
  format: Format,
  requestId: string,
  error: ApiError,
  regionId: string,
  product: AnsweringProduct,
): Rendered {
  const payload: Record<string, unknown> = {
    RequestId: requestId,
    HostId: product.hosts.hostId(regionId),
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=${product.code}`,
  };
  // Fields some errors carry beside the common ones (AccessDeniedDetail of a denial).
  if (error.details) Object.assign(payload, error.details);
  return { status: error.status, headers: { ...error.headers }, ...serialise(format, 'Error', payload) };
}
