// STS with its operations declared.
import './sessions.js';

export { sts } from './product.js';
