// Each area module registers its operations when imported.
import './service.js';
import './instances.js';
import './keys.js';
import './crypto.js';
import './asymmetric.js';
import './certificates.js';
import './tags.js';
import './secrets.js';
import './access-points.js';
import './data-keys.js';

export { findOperation, implementedOperations, invoke, isImplemented, run } from './registry.js';
export { API_VERSION, endpoints, operations } from './spec.js';
