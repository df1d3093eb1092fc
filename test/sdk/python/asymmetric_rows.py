"""Rows asymmetric-sign, asymmetric-encrypt and mac for the Python OpenAPI clients.

Second implementations, none of them the emulator's: Python `cryptography` (OpenSSL) verifies RSA and
ECDSA signatures and encrypts with RSA-OAEP; `gmssl` (pure Python) verifies SM2 signatures made with
the documented user ID, signs digests the emulator must verify, and encrypts and decrypts SM2PKE
(C1C3C2, GM/T 0009 DER); the standard library's `hmac` and an HMAC over gmssl's SM3 check GenerateMac.
"""

import base64
import hashlib
import hmac
import secrets

from harness import Fail, Skip, check, control_required, equal, expect_error, field

# SubjectPublicKeyInfo DER up to the point: id-ecPublicKey with the SM2 curve (1.2.156.10197.1.301).
SM2_SPKI_PREFIX = "3059301306072a8648ce3d020106082a811ccf5501822d034200"
HMAC_MATERIAL = b"python conformance hmac material"  # 32 bytes
HMAC_KEYS = {"HMAC_SHA_256": "a1b2c3d4-0000-4000-8000-00000000ad01", "HMAC_SM3": "a1b2c3d4-0000-4000-8000-00000000ad02"}


def b64(data):
    return base64.b64encode(data).decode("ascii")


def call(api, action, **params):
    """api.call, with an operation the client does not have turned into a skipped row."""
    try:
        return api.call(action, **params)
    except (ModuleNotFoundError, AttributeError) as err:
        raise Skip("this client has no %s (%s)" % (action, type(err).__name__))


def key_pair(api, spec, usage):
    meta = field(call(api, "CreateKey", KeySpec=spec, KeyUsage=usage), "KeyMetadata")
    equal(field(meta, "KeySpec"), spec, "CreateKey KeySpec")
    equal(field(meta, "KeyUsage"), usage, "CreateKey KeyUsage")
    key_id = field(meta, "KeyId")
    versions = field(call(api, "ListKeyVersions", KeyId=key_id), "KeyVersions", "KeyVersion")
    version = field(versions, 0, "KeyVersionId")
    pem = field(call(api, "GetPublicKey", KeyId=key_id, KeyVersionId=version), "PublicKey")
    check(pem.startswith("-----BEGIN PUBLIC KEY-----"), "GetPublicKey is not a PEM public key: %r" % pem[:40])
    return key_id, version, pem


def sm2_public_hex(pem):
    """x||y (hex) of an SM2 SubjectPublicKeyInfo PEM, as gmssl takes it."""
    der = base64.b64decode("".join(line for line in pem.splitlines() if not line.startswith("-----")))
    check(bytes.fromhex("06082a811ccf5501822d") in der, "GetPublicKey of an EC_SM2 key does not name the SM2 curve")
    point = der[-65:]
    check(point[0] == 4, "the SM2 public key is not an uncompressed point")
    return point[1:].hex()


def sm2_der(raw):
    """gmssl's raw C1C3C2 (x, y, C3, C2) -> GM/T 0009 SM2Cipher DER."""
    from Cryptodome.Util.asn1 import DerInteger, DerOctetString, DerSequence

    x, y, c3, c2 = raw[:32], raw[32:64], raw[64:96], raw[96:]
    return DerSequence(
        [DerInteger(int.from_bytes(x, "big")), DerInteger(int.from_bytes(y, "big")), DerOctetString(c3), DerOctetString(c2)]
    ).encode()


def sm2_raw(der):
    """GM/T 0009 DER -> raw C1C3C2 for gmssl."""
    from Cryptodome.Util.asn1 import DerOctetString, DerSequence

    seq = DerSequence().decode(der)
    x, y = int(seq[0]), int(seq[1])
    c3 = DerOctetString().decode(seq[2]).payload
    c2 = DerOctetString().decode(seq[3]).payload
    return x.to_bytes(32, "big") + y.to_bytes(32, "big") + c3 + c2


def row_asymmetric_sign(api):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from gmssl import sm2

    message = b"python conformance: sign me"
    digest = hashlib.sha256(message).digest()
    notes = []
    for spec, algorithm in (("EC_P256", "ECDSA_SHA_256"), ("RSA_2048", "RSA_PKCS1_SHA_256")):
        key_id, version, pem = key_pair(api, spec, "SIGN/VERIFY")
        base = dict(KeyId=key_id, KeyVersionId=version, Algorithm=algorithm)
        signed = call(api, "AsymmetricSign", Digest=b64(digest), **base)
        equal(field(signed, "KeyVersionId"), version, "AsymmetricSign KeyVersionId")
        signature = base64.b64decode(field(signed, "Value"))
        public_key = serialization.load_pem_public_key(pem.encode("ascii"))
        try:
            if spec == "EC_P256":
                public_key.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
            else:
                public_key.verify(signature, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        except Exception as err:
            raise Fail("Python cryptography rejects the %s signature: %s" % (algorithm, type(err).__name__))
        ok = call(api, "AsymmetricVerify", Digest=b64(digest), Value=field(signed, "Value"), **base)
        check(field(ok, "Value") is True, "AsymmetricVerify of its own signature: %r" % ok.get("Value"))
        notes.append("%s verified by cryptography" % algorithm)

    key_id, version, pem = key_pair(api, "EC_SM2", "SIGN/VERIFY")
    gm = sm2.CryptSM2(private_key="", public_key=sm2_public_hex(pem), mode=1, asn1=True)
    sm2_digest = bytes.fromhex(gm._sm3_z(message))  # e = SM3(Z_A || M), Z_A with ID 1234567812345678
    base = dict(KeyId=key_id, KeyVersionId=version, Algorithm="SM2DSA")
    signed = call(api, "AsymmetricSign", Digest=b64(sm2_digest), **base)
    signature = base64.b64decode(field(signed, "Value"))
    check(gm.verify(signature.hex(), sm2_digest), "gmssl rejects the emulator's SM2DSA signature")
    check(gm.verify_with_sm3(signature.hex(), message), "gmssl's verify_with_sm3 rejects the SM2DSA signature")
    bad = call(api, "AsymmetricVerify", Digest=b64(hashlib.sha256(b"x").digest()), Value=b64(signature), **base)
    check(field(bad, "Value") is False, "AsymmetricVerify accepted an SM2 signature over another digest")
    expect_error(
        lambda: call(api, "AsymmetricSign", Digest=b64(b"short"), **base), ("InvalidParameter",), 400, "a 5-byte digest"
    )
    notes.append("SM2DSA verified by gmssl")
    return "; ".join(notes)


def row_asymmetric_encrypt(api):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from gmssl import sm2

    secret = b"python conformance data key 0123"
    key_id, version, pem = key_pair(api, "RSA_2048", "ENCRYPT/DECRYPT")
    public_key = serialization.load_pem_public_key(pem.encode("ascii"))
    foreign = public_key.encrypt(
        secret, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    )
    base = dict(KeyId=key_id, KeyVersionId=version, Algorithm="RSAES_OAEP_SHA_256")
    dec = call(api, "AsymmetricDecrypt", CiphertextBlob=b64(foreign), **base)
    equal(base64.b64decode(field(dec, "Plaintext")), secret, "AsymmetricDecrypt of a cryptography OAEP ciphertext")

    key_id, version, pem = key_pair(api, "EC_SM2", "ENCRYPT/DECRYPT")
    gm = sm2.CryptSM2(private_key="", public_key=sm2_public_hex(pem), mode=1, asn1=True)
    base = dict(KeyId=key_id, KeyVersionId=version, Algorithm="SM2PKE")
    foreign = sm2_der(gm.encrypt(secret))
    dec = call(api, "AsymmetricDecrypt", CiphertextBlob=b64(foreign), **base)
    equal(base64.b64decode(field(dec, "Plaintext")), secret, "AsymmetricDecrypt of a gmssl SM2PKE ciphertext")
    enc = call(api, "AsymmetricEncrypt", Plaintext=b64(secret), **base)
    blob = base64.b64decode(field(enc, "CiphertextBlob"))
    check(blob[:1] == b"\x30", "SM2PKE ciphertext is not a DER SEQUENCE")
    check(len(sm2_raw(blob)) == 96 + len(secret), "SM2PKE ciphertext is not C1||C3||C2 of the plaintext's length")
    back = call(api, "AsymmetricDecrypt", CiphertextBlob=field(enc, "CiphertextBlob"), **base)
    equal(base64.b64decode(field(back, "Plaintext")), secret, "AsymmetricEncrypt then AsymmetricDecrypt (SM2PKE)")
    expect_error(
        lambda: call(api, "AsymmetricDecrypt", CiphertextBlob=b64(foreign[:-1] + bytes([foreign[-1] ^ 1])), **base),
        ("InvalidCiphertext",),
        None,
        "a tampered SM2PKE ciphertext",
    )

    # The emulator's SM2PKE encryption, decrypted by gmssl with a key pair only Python holds.
    d = secrets.randbelow(int(gm.ecc_table["n"], 16) - 1) + 1
    holder = sm2.CryptSM2(private_key="%064x" % d, public_key="", mode=1, asn1=True)
    holder.public_key = holder._kg(d, holder.ecc_table["g"])
    spki = bytes.fromhex(SM2_SPKI_PREFIX + "04" + holder.public_key)
    cmk = field(call(api, "CreateKey"), "KeyMetadata", "KeyId")
    out = call(
        api,
        "GenerateAndExportDataKey",
        KeyId=cmk,
        PublicKeyBlob=b64(spki),
        WrappingKeySpec="EC_SM2",
        WrappingAlgorithm="SM2PKE",
    )
    exported = holder.decrypt(sm2_raw(base64.b64decode(field(out, "ExportedDataKey"))))
    data_key = field(call(api, "Decrypt", CiphertextBlob=field(out, "CiphertextBlob")), "Plaintext")
    equal(b64(exported), data_key, "gmssl's decryption of the SM2PKE-exported data key")
    return "RSAES_OAEP_SHA_256 from cryptography and SM2PKE from gmssl decrypt; gmssl decrypts an SM2PKE export"


def _hmac_sm3(key, message):
    """HMAC (RFC 2104) over gmssl's SM3 (block size 64)."""
    from gmssl import func, sm3

    def h(data):
        return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))

    key = key.ljust(64, b"\x00")
    inner = h(bytes(b ^ 0x36 for b in key) + message)
    return h(bytes(b ^ 0x5C for b in key) + inner)


def row_mac(api):
    control_required(
        "POST",
        "seed",
        {
            "keys": [
                {"keyId": key_id, "keySpec": spec, "versions": [{"keyVersionId": "v1", "material": b64(HMAC_MATERIAL)}]}
                for spec, key_id in HMAC_KEYS.items()
            ]
        },
    )
    message = b"python conformance webhook body"
    independent = {
        "HMAC_SHA_256": hmac.new(HMAC_MATERIAL, message, hashlib.sha256).digest(),
        "HMAC_SM3": _hmac_sm3(HMAC_MATERIAL, message),
    }
    for spec, key_id in HMAC_KEYS.items():
        out = call(api, "GenerateMac", KeyId=key_id, Algorithm=spec, Message=b64(message))
        equal(base64.b64decode(field(out, "Mac")), independent[spec], "GenerateMac %s against an independent HMAC" % spec)
        ok = call(api, "VerifyMac", KeyId=key_id, Algorithm=spec, Message=b64(message), Mac=field(out, "Mac"))
        check(field(ok, "Value") is True, "VerifyMac of its own MAC: %r" % ok.get("Value"))
        other = call(api, "VerifyMac", KeyId=key_id, Algorithm=spec, Message=b64(b"tampered"), Mac=field(out, "Mac"))
        check(field(other, "Value") is False, "VerifyMac accepted another message")
    expect_error(
        lambda: call(api, "GenerateMac", KeyId=HMAC_KEYS["HMAC_SM3"], Algorithm="HMAC_SHA_256", Message=b64(message)),
        ("InvalidParameter",),
        400,
        "GenerateMac with another key's algorithm",
    )
    return "HMAC_SHA_256 (hashlib) and HMAC_SM3 (gmssl SM3) match"


ASYMMETRIC_ROWS = {
    "asymmetric-sign": row_asymmetric_sign,
    "asymmetric-encrypt": row_asymmetric_encrypt,
    "mac": row_mac,
}
