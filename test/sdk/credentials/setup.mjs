// Set-up for test/sdk/credentials-libs.sh, through the RAM and KMS APIs with the root pair (generic
// signed calls): a role whose trust policy names the account, with AliyunKMSCryptoUserAccess
// attached; a role whose trust policy names another account only; a key. Prints them as JSON.
// Usage: node setup.mjs http://127.0.0.1:P
import { callRpc } from '../../../dist/testkit/rpc-client.js';

const url = process.argv[2];
const ACCOUNT = '1234567890123456';
const suffix = `${process.pid}`;
const trust = (principal) =>
  JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [principal] } }],
  });

async function call(action, params, version) {
  const res = await callRpc(url, action, params, version ? { version } : {});
  if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const role = `CredsLibsApp${suffix}`;
const untrusted = `CredsLibsElsewhere${suffix}`;
await call(
  'CreateRole',
  { RoleName: role, AssumeRolePolicyDocument: trust(`acs:ram::${ACCOUNT}:root`) },
  '2015-05-01',
);
await call(
  'AttachPolicyToRole',
  { PolicyName: 'AliyunKMSCryptoUserAccess', PolicyType: 'System', RoleName: role },
  '2015-05-01',
);
await call(
  'CreateRole',
  { RoleName: untrusted, AssumeRolePolicyDocument: trust('acs:ram::1111111111111111:root') },
  '2015-05-01',
);
const key = await call('CreateKey', { Description: 'credentials libraries' });
console.log(
  JSON.stringify({
    role,
    roleArn: `acs:ram::${ACCOUNT}:role/${role}`,
    untrustedRole: untrusted,
    untrustedRoleArn: `acs:ram::${ACCOUNT}:role/${untrusted}`,
    keyId: key.KeyMetadata.KeyId,
  }),
);
