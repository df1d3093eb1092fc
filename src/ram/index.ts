// RAM with its operations declared: each area module registers its handlers when imported.
import './users.js';
import './groups.js';
import './policies.js';
import './roles.js';

export { ram } from './product.js';
