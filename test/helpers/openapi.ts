import * as OpenApi from '@alicloud/openapi-client';
import type { Body } from './client.js';

/** These packages are CommonJS with `exports.default`; Node's ESM import wraps them once more. */
export function cjsDefault<T>(module: { default: { default: T } }): T {
  const outer = module.default as unknown as { default?: T };
  return outer.default ?? (outer as unknown as T);
}

/** The official OpenAPI client (@alicloud/openapi-client), unmodified. */
export const OpenApiClient = cjsDefault(OpenApi);

export interface OpenApiCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/**
 * A signed RPC call through the official client (V3 by default, `signatureAlgorithm: 'v2'` for V1):
 * `(version, action, query) → body`; a failure rejects with the client's own exception.
 */
export function openApiCaller(
  endpoint: string,
  credentials: OpenApiCredentials,
  options: { protocol?: 'http' | 'https'; ca?: string; signatureAlgorithm?: string } = {},
) {
  const protocol = options.protocol ?? 'http';
  const config = new OpenApi.Config({ ...credentials, endpoint, protocol, regionId: 'cn-hangzhou' });
  if (options.ca !== undefined) config.ca = options.ca;
  if (options.signatureAlgorithm) config.signatureAlgorithm = options.signatureAlgorithm;
  const api = new OpenApiClient(config);
  return async (version: string, action: string, query: Record<string, string> = {}): Promise<Body> => {
    const params = new OpenApi.Params({
      action,
      version,
      protocol: protocol.toUpperCase(),
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    return ((await api.callApi(params, new OpenApi.OpenApiRequest({ query }), {} as never)) as { body: Body })
      .body;
  };
}
