/**
 * RAM's system policies as data (`PolicyType: System`): listed by ListPolicies, read by GetPolicy,
 * attachable by name. TODO(#25): this is a copy of SYSTEM_POLICIES in
 * src/domain/authorization/system-policies.ts (branch authz, the evaluator's module); once that
 * module is on main, import the list from there and delete this copy.
 */
export interface SystemPolicy {
  readonly name: string;
  readonly description: string;
  readonly defaultVersion: string;
  readonly document: { readonly Version: '1'; readonly Statement: readonly object[] };
}

const ANY = '*';

export const SYSTEM_POLICIES: readonly SystemPolicy[] = [
  {
    name: 'AdministratorAccess',
    description: 'Provides full access to Alibaba Cloud services and resources.',
    defaultVersion: 'v1',
    document: { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: ANY }] },
  },
  {
    // https://help.aliyun.com/zh/ram/developer-reference/aliyunkmsfullaccess (facts §4), v3.
    name: 'AliyunKMSFullAccess',
    description: 'Provides full access to Key Management Service (KMS).',
    defaultVersion: 'v3',
    document: {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'kms:*', Resource: ANY },
        {
          Effect: 'Allow',
          Action: 'ram:CreateServiceLinkedRole',
          Resource: ANY,
          Condition: {
            StringEquals: {
              'ram:ServiceName': ['secretsmanager-rds.kms.aliyuncs.com', 'keystore.kms.aliyuncs.com'],
            },
          },
        },
      ],
    },
  },
  {
    // https://alibabacloud.com/help/en/ram/developer-reference/aliyunkmsreadonlyaccess (facts §4), v3.
    name: 'AliyunKMSReadOnlyAccess',
    description: 'Provides read-only access to Key Management Service (KMS).',
    defaultVersion: 'v3',
    document: {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'kms:List*',
            'kms:Describe*',
            'kms:GetPublicKey',
            'kms:GetUploadBackupDataInfo',
            'kms:GetKmsInstanceSharedAccounts',
            'kms:GetKmsInstanceQuotaInfos',
            'kms:GetCheckAssociateResourceTaskResults',
            'kms:GetKeyPolicy',
            'kms:GetKeyDefaultPolicy',
            'kms:GetSecretPolicy',
            'kms:GetSecretDefaultPolicy',
            'kms:GetKmsInstance',
            'kms:GetDefaultKmsInstance',
          ],
          Resource: ANY,
        },
      ],
    },
  },
  {
    // https://help.aliyun.com/zh/ram/developer-reference/aliyunkmscryptoadminaccess (facts §4), v2.
    // The tag actions carry the `ecs:` prefix in the published document (sic).
    name: 'AliyunKMSCryptoAdminAccess',
    description: 'Provides permissions to manage keys in Key Management Service (KMS).',
    defaultVersion: 'v2',
    document: {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'kms:*', Resource: ['acs:kms:*:*:key*', 'acs:kms:*:*:alias*'] },
        {
          Effect: 'Allow',
          Action: ['ecs:TagResources', 'ecs:UntagResources', 'ecs:ListTagResources'],
          Resource: ['acs:kms:*:*:key/*', 'acs:kms:*:*:secret/*'],
        },
      ],
    },
  },
  {
    // https://www.alibabacloud.com/help/es/ram/developer-reference/aliyunkmscryptouseraccess (facts §4):
    // v2 adds GenerateMac/VerifyMac to v1's nine actions.
    name: 'AliyunKMSCryptoUserAccess',
    description:
      'Provides permissions to use keys of Key Management Service (KMS) for cryptographic operations.',
    defaultVersion: 'v2',
    document: {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:GenerateDataKey',
            'kms:GenerateDataKeyWithoutPlaintext',
            'kms:AsymmetricDecrypt',
            'kms:AsymmetricEncrypt',
            'kms:AsymmetricSign',
            'kms:AsymmetricVerify',
            'kms:GetPublicKey',
            'kms:GenerateMac',
            'kms:VerifyMac',
          ],
          Resource: ANY,
        },
      ],
    },
  },
  {
    // https://help.aliyun.com/zh/ram/developer-reference/aliyunkmssecretadminaccess (facts §4), v5.
    // Facts §4 summarises the RDS statement as "RDS read/CreateAccount/GrantAccountPrivilege": the
    // read part is written `rds:Describe*` here (UNCONFIRMED spelling).
    name: 'AliyunKMSSecretAdminAccess',
    description: 'Provides permissions to manage secrets in Key Management Service (KMS).',
    defaultVersion: 'v5',
    document: {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'kms:*', Resource: 'acs:kms:*:*:secret*' },
        { Effect: 'Allow', Action: 'kms:GetRandomPassword', Resource: ANY },
        {
          Effect: 'Allow',
          Action: ['rds:Describe*', 'rds:CreateAccount', 'rds:GrantAccountPrivilege'],
          Resource: ANY,
        },
        { Effect: 'Allow', Action: 'ecs:DescribeInstances', Resource: 'acs:ecs:*:*:instance/*' },
        {
          Effect: 'Allow',
          Action: ['ecs:TagResources', 'ecs:UntagResources', 'ecs:ListTagResources'],
          Resource: ['acs:kms:*:*:key/*', 'acs:kms:*:*:secret/*'],
        },
        {
          Effect: 'Allow',
          Action: 'ram:CreateServiceLinkedRole',
          Resource: ANY,
          Condition: {
            StringEquals: {
              'ram:ServiceName': [
                'secretsmanager-rds.kms.aliyuncs.com',
                'secretsmanager-ecs.kms.aliyuncs.com',
              ],
            },
          },
        },
      ],
    },
  },
  {
    // https://www.alibabacloud.com/help/en/ram/developer-reference/aliyunkmssecretuseraccess (facts §4), v1.
    // No kms:Decrypt: a secret under a customer key also needs AliyunKMSCryptoUserAccess (or a grant).
    name: 'AliyunKMSSecretUserAccess',
    description: 'Provides permissions to read secret values in Key Management Service (KMS).',
    defaultVersion: 'v1',
    document: {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'kms:GetSecretValue', Resource: ANY },
        { Effect: 'Allow', Action: ['kms:DescribeSecret', 'kms:ListSecretVersionIds'], Resource: ANY },
      ],
    },
  },
  {
    name: 'AliyunRAMFullAccess',
    description: 'Provides full access to Resource Access Management (RAM).',
    defaultVersion: 'v1',
    document: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'ram:*', Resource: ANY }] },
  },
  {
    name: 'AliyunRAMReadOnlyAccess',
    description: 'Provides read-only access to Resource Access Management (RAM).',
    defaultVersion: 'v1',
    document: {
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['ram:Get*', 'ram:List*'], Resource: ANY }],
    },
  },
  {
    name: 'AliyunSTSAssumeRoleAccess',
    description: 'Provides permissions to call the AssumeRole operation of Security Token Service (STS).',
    defaultVersion: 'v1',
    document: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ANY }] },
  },
];

const byName = new Map(SYSTEM_POLICIES.map((p) => [p.name.toLowerCase(), p]));

/** A system policy by name (case-insensitive, as RAM matches policy names). */
export function systemPolicy(name: string): SystemPolicy | undefined {
  return byName.get(name.toLowerCase());
}
