import type { KmsContainer } from './arns.js';

/**
 * Which RAM action(s) each KMS 2016-01-20 operation checks, on which resource(s), read from which
 * request parameter — one table, never spread over handlers (issue #25).
 *
 * The rule (facts §3.1): the action is `kms:<OperationName>` "in most cases"; the resource is named
 * by the operation's parameter: KeyId → the key, SecretName → the secret, AliasName → the alias,
 * CertificateId → the certificate, KmsInstanceId → the instance, CiphertextBlob → the key that
 * encrypted it; no such parameter → `*`. `deriveOperationChecks` states that rule; entries written
 * `derive(…)` follow it (test/authorization-kms-actions.test.ts checks them against the spec's
 * parameters), the others are the documented exceptions, each with its source:
 * - ReEncrypt: kms:ReEncryptFrom on the source key, kms:ReEncryptTo on the destination (facts §3.1);
 * - CreateAlias/UpdateAlias/DeleteAlias: the alias AND the key (facts §3.1, create-an-alias page);
 * - CreateSecret: also kms:GenerateDataKey on its EncryptionKeyId (facts §3.1, api-createsecret);
 * - GetSecretValue: also kms:Decrypt on a customer key protecting the secret (facts §3.1);
 * - BatchGetSecretValue: kms:GetSecretValue on every secret, plus kms:Decrypt as above (facts §3.1);
 * - DescribeRegions: no access control (facts §3.1, doc 28953);
 * - CreateKey/ListKeys, CreateSecret/ListSecrets, ListAliases, CreateCertificate: the container
 *   ARNs (`…:key`, `…:secret`, `…:alias`, `…:certificate`, facts §3.2);
 * - GetRandomPassword: all resources (facts §3.1);
 * - tag operations act on a key or a secret (facts §3.1).
 * KMS 3.0 objects (application access points, network rules, instance policies) use the ARNs their
 * responses show (facts §3.2) — which RAM really checks there is UNCONFIRMED.
 */

export type ResourceReference =
  /** Operations on no particular resource (RAM's "all resources"): `*`. */
  | { readonly kind: 'all' }
  | { readonly kind: 'container'; readonly container: KmsContainer }
  /** A key named by ID, alias (`alias/…`) or ARN. */
  | { readonly kind: 'key'; readonly param: string }
  | { readonly kind: 'keyOfCiphertext'; readonly param: string }
  | { readonly kind: 'alias'; readonly param: string }
  | { readonly kind: 'secret'; readonly param: string }
  /** The customer-managed key protecting a secret; no check when the service's own key does. */
  | { readonly kind: 'keyOfSecret'; readonly param: string }
  /** Every secret of a BatchGetSecretValue list (or the customer key of each). */
  | { readonly kind: 'secretsList'; readonly param: string; readonly each: 'secret' | 'keyOfSecret' }
  | { readonly kind: 'certificate'; readonly param: string }
  | { readonly kind: 'instance'; readonly param: string }
  | { readonly kind: 'applicationAccessPoint'; readonly param: string }
  | { readonly kind: 'networkRule'; readonly param: string }
  | { readonly kind: 'instancePolicy'; readonly param: string }
  /** A parameter that is itself an ARN. */
  | { readonly kind: 'arn'; readonly param: string }
  /** TagResource/UntagResource: whichever of KeyId, SecretName, CertificateId is given. */
  | { readonly kind: 'taggedResource' }
  /** TagResources/UntagResources/ListTagResources: every ResourceId of ResourceType key|secret. */
  | { readonly kind: 'resourceIds' };

export interface CheckRule {
  readonly action: string;
  readonly resource: ResourceReference;
  /** The check is made only when this parameter is given. */
  readonly ifParam?: string;
  /** The check is made only when this parameter is absent. */
  readonly unlessParam?: string;
}

export interface OperationChecks {
  readonly checks: readonly CheckRule[];
  /** True when the entry is what the spec's parameters derive (no exception applies). */
  readonly derived: boolean;
}

/** The parameters that name an operation's resource, in the order the rule consults them. */
const NAMING_PARAMETERS: readonly [string, (param: string) => ResourceReference][] = [
  ['KeyId', (param) => ({ kind: 'key', param })],
  ['SecretName', (param) => ({ kind: 'secret', param })],
  ['AliasName', (param) => ({ kind: 'alias', param })],
  ['CertificateId', (param) => ({ kind: 'certificate', param })],
  ['KmsInstanceId', (param) => ({ kind: 'instance', param })],
  ['CiphertextBlob', (param) => ({ kind: 'keyOfCiphertext', param })],
];

/** The default rule: `kms:<Operation>` on the resource the first naming parameter names, else `*`. */
export function deriveOperationChecks(operation: string, parameterNames: readonly string[]): OperationChecks {
  for (const [name, reference] of NAMING_PARAMETERS) {
    if (parameterNames.includes(name)) {
      return { checks: [{ action: `kms:${operation}`, resource: reference(name) }], derived: true };
    }
  }
  return { checks: [{ action: `kms:${operation}`, resource: { kind: 'all' } }], derived: true };
}

const derive = (parameter?: string): 'derive' | `derive:${string}` =>
  parameter ? `derive:${parameter}` : 'derive';
const check = (action: string, resource: ResourceReference, when: Partial<CheckRule> = {}): CheckRule => ({
  action: `kms:${action}`,
  resource,
  ...when,
});
const key = (param = 'KeyId'): ResourceReference => ({ kind: 'key', param });
const secret = (param = 'SecretName'): ResourceReference => ({ kind: 'secret', param });
const container = (c: KmsContainer): ResourceReference => ({ kind: 'container', container: c });
const aap = (param = 'Name'): ResourceReference => ({ kind: 'applicationAccessPoint', param });
const networkRule: ResourceReference = { kind: 'networkRule', param: 'Name' };
const instancePolicy: ResourceReference = { kind: 'instancePolicy', param: 'Name' };

/**
 * The table. `derive('KeyId')`: kms:<Operation> on the resource that parameter names (`derive()`:
 * on `*`); anything else is an exception and lists its checks.
 */
const TABLE: Record<string, ReturnType<typeof derive> | readonly CheckRule[]> = {
  AsymmetricDecrypt: derive('KeyId'),
  AsymmetricEncrypt: derive('KeyId'),
  AsymmetricSign: derive('KeyId'),
  AsymmetricVerify: derive('KeyId'),
  BatchGetSecretValue: [
    check('GetSecretValue', { kind: 'secretsList', param: 'SecretsList', each: 'secret' }),
    check('Decrypt', { kind: 'secretsList', param: 'SecretsList', each: 'keyOfSecret' }),
  ],
  CancelKeyDeletion: derive('KeyId'),
  CertificatePrivateKeyDecrypt: derive('CertificateId'),
  CertificatePrivateKeySign: derive('CertificateId'),
  CertificatePublicKeyEncrypt: derive('CertificateId'),
  CertificatePublicKeyVerify: derive('CertificateId'),
  ConnectKmsInstance: derive('KmsInstanceId'),
  CreateAlias: [check('CreateAlias', { kind: 'alias', param: 'AliasName' }), check('CreateAlias', key())],
  CreateApplicationAccessPoint: [check('CreateApplicationAccessPoint', aap())],
  CreateCertificate: [check('CreateCertificate', container('certificate'))],
  CreateClientKey: [check('CreateClientKey', aap('AapName'))],
  CreateKey: [check('CreateKey', container('key'))],
  CreateKeyVersion: derive('KeyId'),
  CreateNetworkRule: [check('CreateNetworkRule', networkRule)],
  CreatePolicy: [check('CreatePolicy', instancePolicy)],
  CreateSecret: [
    check('CreateSecret', container('secret')),
    check('GenerateDataKey', key('EncryptionKeyId'), { ifParam: 'EncryptionKeyId' }),
  ],
  Decrypt: derive('CiphertextBlob'),
  DeleteAlias: [
    check('DeleteAlias', { kind: 'alias', param: 'AliasName' }),
    // The key the alias points to: an alias name resolves to its key (ResourceResolver.key).
    check('DeleteAlias', key('AliasName')),
  ],
  DeleteApplicationAccessPoint: [check('DeleteApplicationAccessPoint', aap())],
  DeleteCertificate: derive('CertificateId'),
  DeleteClientKey: derive(),
  DeleteKeyMaterial: derive('KeyId'),
  DeleteNetworkRule: [check('DeleteNetworkRule', networkRule)],
  DeletePolicy: [check('DeletePolicy', instancePolicy)],
  DeleteSecret: derive('SecretName'),
  DescribeAccountKmsStatus: derive(),
  DescribeApplicationAccessPoint: [check('DescribeApplicationAccessPoint', aap())],
  DescribeCertificate: derive('CertificateId'),
  DescribeKey: derive('KeyId'),
  DescribeKeyVersion: derive('KeyId'),
  DescribeNetworkRule: [check('DescribeNetworkRule', networkRule)],
  DescribePolicy: [check('DescribePolicy', instancePolicy)],
  DescribeRegions: [],
  DescribeSecret: derive('SecretName'),
  DisableKey: derive('KeyId'),
  EnableKey: derive('KeyId'),
  Encrypt: derive('KeyId'),
  ExportDataKey: derive('CiphertextBlob'),
  GenerateAndExportDataKey: derive('KeyId'),
  GenerateDataKey: derive('KeyId'),
  GenerateDataKeyWithoutPlaintext: derive('KeyId'),
  GenerateMac: derive('KeyId'),
  GetCertificate: derive('CertificateId'),
  GetChallenge: derive(),
  GetClientKey: derive(),
  GetDefaultKmsInstance: derive(),
  GetKeyPolicy: derive('KeyId'),
  GetKmsInstance: derive('KmsInstanceId'),
  GetKmsInstanceQuotaInfos: derive('KmsInstanceId'),
  GetManagedDataKey: derive(),
  GetParametersForImport: derive('KeyId'),
  GetPublicKey: derive('KeyId'),
  GetRandomPassword: derive(),
  GetSecretPolicy: derive('SecretName'),
  GetSecretValue: [
    check('GetSecretValue', secret()),
    check('Decrypt', { kind: 'keyOfSecret', param: 'SecretName' }),
  ],
  ImportKeyMaterial: derive('KeyId'),
  ListAliases: [check('ListAliases', container('alias'))],
  ListAliasesByKeyId: derive('KeyId'),
  ListApplicationAccessPoints: derive(),
  ListClientKeys: derive(),
  ListKeyVersions: derive('KeyId'),
  ListKeys: [check('ListKeys', container('key'))],
  ListKmsInstances: derive(),
  ListManagedDataKeyVersions: derive(),
  ListNetworkRules: derive(),
  ListPolicies: derive(),
  ListResourceTags: derive('KeyId'),
  ListSecretVersionIds: derive('SecretName'),
  ListSecrets: [check('ListSecrets', container('secret'))],
  ListTagResources: [check('ListTagResources', { kind: 'resourceIds' })],
  OpenKmsService: derive(),
  PutSecretValue: derive('SecretName'),
  ReEncrypt: [
    // Symmetric ciphertext names its key; an asymmetric one is decrypted with SourceKeyId.
    check('ReEncryptFrom', key('SourceKeyId'), { ifParam: 'SourceKeyId' }),
    check(
      'ReEncryptFrom',
      { kind: 'keyOfCiphertext', param: 'CiphertextBlob' },
      { unlessParam: 'SourceKeyId' },
    ),
    check('ReEncryptTo', key('DestinationKeyId')),
  ],
  ReleaseKmsInstance: derive('KmsInstanceId'),
  RestoreSecret: derive('SecretName'),
  RotateSecret: derive('SecretName'),
  ScheduleKeyDeletion: derive('KeyId'),
  SetDeletionProtection: [
    check(
      'SetDeletionProtection',
      { kind: 'arn', param: 'ProtectedResourceArn' },
      { ifParam: 'ProtectedResourceArn' },
    ),
    check('SetDeletionProtection', key(), { ifParam: 'KeyId', unlessParam: 'ProtectedResourceArn' }),
    check(
      'SetDeletionProtection',
      { kind: 'instance', param: 'KmsInstanceId' },
      {
        ifParam: 'KmsInstanceId',
        unlessParam: 'ProtectedResourceArn',
      },
    ),
  ],
  SetKeyPolicy: derive('KeyId'),
  SetSecretPolicy: derive('SecretName'),
  TagResource: [check('TagResource', { kind: 'taggedResource' })],
  TagResources: [check('TagResources', { kind: 'resourceIds' })],
  UntagResource: [check('UntagResource', { kind: 'taggedResource' })],
  UntagResources: [check('UntagResources', { kind: 'resourceIds' })],
  UpdateAlias: [check('UpdateAlias', { kind: 'alias', param: 'AliasName' }), check('UpdateAlias', key())],
  UpdateApplicationAccessPoint: [check('UpdateApplicationAccessPoint', aap())],
  UpdateCertificateStatus: derive('CertificateId'),
  UpdateKeyDescription: derive('KeyId'),
  UpdateKmsInstanceBindVpc: derive('KmsInstanceId'),
  UpdateNetworkRule: [check('UpdateNetworkRule', networkRule)],
  UpdatePolicy: [check('UpdatePolicy', instancePolicy)],
  UpdateRotationPolicy: derive('KeyId'),
  UpdateSecret: derive('SecretName'),
  UpdateSecretRotationPolicy: derive('SecretName'),
  UpdateSecretVersionStage: derive('SecretName'),
  UploadCertificate: derive('CertificateId'),
  VerifyMac: derive('KeyId'),
};

function expand(operation: string, entry: ReturnType<typeof derive> | readonly CheckRule[]): OperationChecks {
  if (typeof entry !== 'string') return { checks: entry, derived: false };
  const parameter = entry === 'derive' ? undefined : entry.slice('derive:'.length);
  return deriveOperationChecks(operation, parameter ? [parameter] : []);
}

/** The table, expanded: every KMS operation → its checks. */
export const KMS_OPERATION_CHECKS: ReadonlyMap<string, OperationChecks> = new Map(
  Object.entries(TABLE).map(([operation, entry]) => [operation, Object.freeze(expand(operation, entry))]),
);
