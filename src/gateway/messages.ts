import protobuf from 'protobufjs';
import { packagePath } from '../paths.js';
import { KmsError } from '../protocol/errors.js';

/**
 * The protobuf messages of the KMS Instance API, from the emulator's own schema file
 * (schemas/kms-instance-api.proto, shipped with the package). Loaded on first use.
 */
const schemaPath = packagePath('schemas', 'kms-instance-api.proto');
let root: protobuf.Root | undefined;

function type(name: string): protobuf.Type | undefined {
  root ??= protobuf.loadSync(schemaPath);
  try {
    return root.lookupType(`kmsinstance.${name}`);
  } catch {
    return undefined;
  }
}

export type Message = Record<string, unknown>;

export function hasRequest(apiName: string): boolean {
  return type(`${apiName}Request`) !== undefined;
}

/** Decodes `<apiName>Request`: bytes fields as Buffers, absent fields as their defaults. */
export function decodeRequest(apiName: string, body: Buffer): Message {
  const message = type(`${apiName}Request`);
  if (!message) throw new KmsError('InvalidApiName', `The ApiName "${apiName}" is invalid.`);
  try {
    return message.toObject(message.decode(body), { bytes: Buffer, defaults: true, longs: Number });
  } catch {
    throw new KmsError('InvalidParameter', 'The request body is not a valid protobuf message.');
  }
}

export function encodeResponse(apiName: string, fields: Message): Buffer {
  const message = type(`${apiName}Response`) as protobuf.Type;
  return Buffer.from(message.encode(message.fromObject(fields)).finish());
}

export function encodeError(fields: {
  StatusCode: number;
  ErrorCode: string;
  ErrorMessage: string;
  RequestId: string;
}): Buffer {
  const message = type('Error') as protobuf.Type;
  return Buffer.from(message.encode(message.fromObject(fields)).finish());
}
