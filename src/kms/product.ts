import { aliyunHosts, Product } from '../api/product.js';
import { loadSpec } from '../api/spec.js';

/**
 * KMS 2016-01-20: the newest Python SDK's models (spec/sdk-models.json) merged with Alibaba's API
 * metadata. Its operations are declared by the area modules under src/api/ (`defineOperations`),
 * which src/kms/index.ts imports.
 */
const spec = loadSpec({ sdkModels: 'sdk-models.json', apiDocs: 'kms-2016-01-20.api-docs.json' });

// The spec types CreateCertificate's SubjectAlternativeNames as an object, but documents it (and
// its example sends it) as a JSON array of domain names.
for (const param of spec.operations.get('CreateCertificate')?.params ?? []) {
  if (param.name === 'SubjectAlternativeNames') Object.assign(param, { type: 'array', itemType: 'string' });
}

export const kms = new Product({ code: 'Kms', version: '2016-01-20', spec, hosts: aliyunHosts('kms') });
