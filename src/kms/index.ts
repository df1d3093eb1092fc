// KMS with every operation declared: each area module registers its handlers when imported.
import '../api/service.js';
import '../api/instances.js';
import '../api/keys.js';
import '../api/crypto.js';
import '../api/asymmetric.js';
import '../api/certificates.js';
import '../api/tags.js';
import '../api/secrets.js';
import '../api/access-points.js';
import '../api/data-keys.js';

import { kmsChecks, kmsNamesOtherAccount } from '../authorizer.js';
import { kms } from './product.js';

kms.checks = kmsChecks;
kms.namesOtherAccount = kmsNamesOtherAccount;

export { kms };
