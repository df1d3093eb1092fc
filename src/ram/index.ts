// RAM with its operations declared: each area module registers its handlers when imported.
import './users.js';
import './groups.js';
import './policies.js';
import './roles.js';

import { ramChecks } from './authorization.js';
import { ram } from './product.js';

ram.denialCode = 'NoPermission';
ram.checks = ramChecks;

export { ram };
