import { aliyunHosts, Product } from '../api/product.js';
import { loadSpec } from '../api/spec.js';
import { STS_ERROR_CODES } from './errors.js';

/**
 * STS 2015-04-01: the official Python SDK's models (alibabacloud_sts20150401) and AssumeRole's
 * documented errors. Answers `sts.aliyuncs.com` and `sts.<region>.aliyuncs.com`.
 */
const spec = loadSpec({ sdkModels: 'sts-2015-04-01.sdk-models.json' });

export const sts = new Product({
  code: 'Sts',
  version: '2015-04-01',
  spec: { ...spec, errorCodes: [...spec.errorCodes, ...STS_ERROR_CODES] },
  hosts: aliyunHosts('sts'),
});
