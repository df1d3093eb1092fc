import { aliyunHosts, Product } from '../api/product.js';
import { loadSpec } from '../api/spec.js';
import { RAM_ERROR_CODES } from './errors.js';

/**
 * RAM 2015-05-01: the official Python SDK's models (alibabacloud_ram20150501, written by
 * scripts/sdk-models.py --package) and RAM's documented error codes. Global: `ram.aliyuncs.com`.
 * Its operations are declared by the area modules src/ram/index.ts imports.
 */
const spec = loadSpec({ sdkModels: 'ram-2015-05-01.sdk-models.json' });

export const ram = new Product({
  code: 'Ram',
  version: '2015-05-01',
  spec: { ...spec, errorCodes: [...spec.errorCodes, ...RAM_ERROR_CODES] },
  hosts: aliyunHosts('ram', { global: true }),
});
