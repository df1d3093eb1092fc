// STS with its operations declared.
import './sessions.js';

import { stsChecks } from '../ram/authorization.js';
import { sts } from './product.js';

sts.denialCode = 'NoPermission';
sts.checks = stsChecks;
// The role's trust policy must name the caller even when the caller is an account's root pair.
sts.rootChecked = new Set(['AssumeRole']);

export { sts };
