import type { OperationSpec } from '../api/spec.js';
import { decodeBlob } from '../domain/crypto.js';
import type { Scope, World } from '../domain/world.js';
import { ApiError } from '../protocol/errors.js';

/**
 * The OpenAPI (Alibaba Cloud SDK V2.0, AccessKey or STS credentials) on an instance endpoint
 * `kst-….cryptoservice.kms.aliyuncs.com`: the business operations the product documents list for the
 * dedicated gateway — "all cryptographic operations and secret retrieval APIs, except ReEncrypt"
 * (../shared/facts/instance-endpoint.md §1) — over that instance's keys and secrets only.
 */
export const INSTANCE_ENDPOINT_OPERATIONS: ReadonlySet<string> = new Set([
  'Encrypt',
  'Decrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateAndExportDataKey',
  'ExportDataKey',
  'AsymmetricEncrypt',
  'AsymmetricDecrypt',
  'AsymmetricSign',
  'AsymmetricVerify',
  'GetPublicKey',
  'GenerateMac',
  'VerifyMac',
  'GetSecretValue',
]);

/**
 * Refuses what the instance endpoint does not serve, and finds a call's key or secret only in the
 * instance the endpoint names (`instanceId`; a connection naming none, 127.0.0.1:<port>, reaches any
 * instance of the caller's account, as the Instance API does).
 *
 * The code for an operation the dedicated gateway does not serve is undocumented (the facts found no
 * source): the emulator answers `UnsupportedOperation` (400), the gateway code the Instance API
 * documents for the same refusal, with a message naming the shared endpoint to use instead.
 */
export function refuseOffInstanceEndpoint(spec: OperationSpec, scope: Scope): void {
  if (!INSTANCE_ENDPOINT_OPERATIONS.has(spec.name)) {
    throw new ApiError(
      'UnsupportedOperation',
      `${spec.name} is not served on a KMS instance endpoint (the dedicated gateway serves cryptographic operations and GetSecretValue, except ReEncrypt): call it on the shared endpoint kms.${scope.regionId}.aliyuncs.com.`,
      { status: 400 },
    );
  }
}

/** The key or secret a call names must be the endpoint's instance's (checked in the call's transaction). */
export function checkInstanceOfResource(
  world: World,
  scope: Scope,
  spec: OperationSpec,
  params: Record<string, string>,
  instanceId: string | undefined,
): void {
  if (instanceId === undefined) return;
  const keyRef = params.KeyId || blobKeyId(params.CiphertextBlob);
  if (keyRef) {
    const key = world.keys.resolve(scope, keyRef);
    const keyInstance = key.dkmsInstanceId ?? world.instances.defaultInstance(scope).kmsInstanceId;
    if (key.managed || keyInstance !== instanceId) throw new ApiError('Forbidden.KeyNotFound');
  }
  if (spec.name === 'GetSecretValue' && params.SecretName) {
    const secret = world.secrets.get(scope, params.SecretName);
    const secretInstance = secret.dkmsInstanceId ?? world.instances.defaultInstance(scope).kmsInstanceId;
    if (secretInstance !== instanceId) {
      throw new ApiError('Forbidden.ResourceNotFound', `The secret "${params.SecretName}" is not found.`);
    }
  }
}

function blobKeyId(blob: string | undefined): string | undefined {
  if (!blob) return undefined;
  try {
    return decodeBlob(blob).keyId || undefined;
  } catch {
    return undefined; // not a blob of this emulator: the operation answers it as on the shared endpoint
  }
}
