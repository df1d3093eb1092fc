// Rows asymmetric-sign, asymmetric-encrypt and mac for the Node clients. Node's own crypto (OpenSSL)
// is the second implementation: it verifies the emulator's signatures with the public key from
// GetPublicKey, encrypts what the emulator must decrypt, and computes the HMAC of seeded material.
import { constants, createHash, createHmac, createPublicKey, publicEncrypt, verify } from 'node:crypto';

const HMAC_KEY_ID = 'a1b2c3d4-0000-4000-8000-00000000ac01';
const HMAC_MATERIAL = Buffer.from('conformance hmac material, 32 b');

export function asymmetricRows({ run, check, expectCode, control }) {
  async function keyPair(call, spec, usage) {
    const meta = (await run(call, 'CreateKey', { KeySpec: spec, KeyUsage: usage })).KeyMetadata;
    check(
      meta.KeySpec === spec && meta.KeyUsage === usage,
      `CreateKey answered ${meta.KeySpec} ${meta.KeyUsage}`,
    );
    const versions = (await run(call, 'ListKeyVersions', { KeyId: meta.KeyId })).KeyVersions.KeyVersion;
    const version = versions[0].KeyVersionId;
    const pem = (await run(call, 'GetPublicKey', { KeyId: meta.KeyId, KeyVersionId: version })).PublicKey;
    return { keyId: meta.KeyId, version, publicKey: createPublicKey(pem) };
  }

  return {
    async 'asymmetric-sign'(make) {
      const call = make();
      const message = Buffer.from('conformance: sign me');
      const digest = createHash('sha256').update(message).digest('base64');
      for (const [spec, algorithm, options] of [
        ['EC_P256', 'ECDSA_SHA_256', {}],
        ['RSA_2048', 'RSA_PSS_SHA_256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
      ]) {
        const { keyId, version, publicKey } = await keyPair(call, spec, 'SIGN/VERIFY');
        const base = { KeyId: keyId, KeyVersionId: version, Algorithm: algorithm, Digest: digest };
        const signed = await run(call, 'AsymmetricSign', base);
        check(
          signed.KeyId === keyId && signed.KeyVersionId === version,
          'AsymmetricSign names the key version',
        );
        const signature = Buffer.from(signed.Value, 'base64');
        check(
          verify('sha256', message, { key: publicKey, ...options }, signature),
          `OpenSSL rejects the ${algorithm} signature`,
        );
        const ok = await run(call, 'AsymmetricVerify', { ...base, Value: signed.Value });
        check(ok.Value === true, `AsymmetricVerify answered ${ok.Value}`);
        const other = createHash('sha256').update('other').digest('base64');
        const bad = await run(call, 'AsymmetricVerify', { ...base, Digest: other, Value: signed.Value });
        check(bad.Value === false, 'AsymmetricVerify accepted a signature over another digest');
        await expectCode(
          call('AsymmetricSign', { ...base, Digest: Buffer.alloc(20).toString('base64') }),
          'InvalidParameter',
        );
      }
    },

    async 'asymmetric-encrypt'(make) {
      const call = make();
      const { keyId, version, publicKey } = await keyPair(call, 'RSA_2048', 'ENCRYPT/DECRYPT');
      const secret = Buffer.from('conformance data key 0123456789');
      const base = { KeyId: keyId, KeyVersionId: version, Algorithm: 'RSAES_OAEP_SHA_256' };
      const foreign = publicEncrypt(
        { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        secret,
      );
      const dec = await run(call, 'AsymmetricDecrypt', {
        ...base,
        CiphertextBlob: foreign.toString('base64'),
      });
      check(dec.Plaintext === secret.toString('base64'), 'AsymmetricDecrypt of an OpenSSL ciphertext');
      const enc = await run(call, 'AsymmetricEncrypt', { ...base, Plaintext: secret.toString('base64') });
      const back = await run(call, 'AsymmetricDecrypt', { ...base, CiphertextBlob: enc.CiphertextBlob });
      check(back.Plaintext === secret.toString('base64'), 'AsymmetricEncrypt then AsymmetricDecrypt');
      await expectCode(
        call('AsymmetricEncrypt', { ...base, Algorithm: 'SM2PKE', Plaintext: 'aGk=' }),
        'InvalidParameter',
      );
    },

    async mac(make) {
      const call = make();
      const seeded = await control('POST', 'seed', {
        keys: [
          {
            keyId: HMAC_KEY_ID,
            keySpec: 'HMAC_SHA_256',
            versions: [{ keyVersionId: 'conformance-mac-v1', material: HMAC_MATERIAL.toString('base64') }],
          },
        ],
      });
      check(seeded.status === 200, `seeding the HMAC key answered ${seeded.status}`);
      const message = Buffer.from('conformance webhook body');
      const base = { KeyId: HMAC_KEY_ID, Algorithm: 'HMAC_SHA_256', Message: message.toString('base64') };
      const out = await run(call, 'GenerateMac', base);
      const expected = createHmac('sha256', HMAC_MATERIAL).update(message).digest('base64');
      check(out.Mac === expected, `GenerateMac ${out.Mac}, independent HMAC ${expected}`);
      check(
        (await run(call, 'VerifyMac', { ...base, Mac: out.Mac })).Value === true,
        'VerifyMac of its own MAC',
      );
      const other = { ...base, Message: Buffer.from('tampered').toString('base64'), Mac: out.Mac };
      check((await run(call, 'VerifyMac', other)).Value === false, 'VerifyMac accepted another message');
      await expectCode(call('GenerateMac', { ...base, Algorithm: 'HMAC_SHA_512' }), 'InvalidParameter');
    },
  };
}
