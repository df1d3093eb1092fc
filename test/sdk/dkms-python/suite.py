"""KMS instance access through official, unmodified Python clients, certificate verification on.

Management (network rules, policies, application access points, client keys, GetKmsInstance's CA
chain) through the typed OpenAPI client alibabacloud_kms20160120; cryptography and secrets through
the KMS Instance SDK alibabacloud-dkms-gcs with the client key file CreateClientKey answered.

Usage: suite.py <config.json>; prints one JSON object per line: {"case", "ok", "detail"}.
"""
import base64
import json
import os
import sys
import traceback
import urllib.request

from alibabacloud_kms20160120 import models as kms
from alibabacloud_kms20160120.client import Client as KmsClient
from alibabacloud_tea_openapi.models import Config as OpenApiConfig
from openapi.models import Config as GatewayConfig
from openapi_util.models import RuntimeOptions
from sdk import models as dkms
from sdk.client import Client as GatewayClient

CONFIG = json.load(open(sys.argv[1]))
WORK = CONFIG["workdir"]
KEY_USER = "RbacPermission/Template/CryptoServiceKeyUser"
SECRET_USER = "RbacPermission/Template/CryptoServiceSecretUser"
PASSWORD = "Passw0rd-demo"

results = []


def case(name):
    def wrap(fn):
        try:
            detail = fn()
            results.append({"case": name, "ok": True, "detail": detail or ""})
        except Exception as error:  # noqa: BLE001 - every failure is a result
            results.append({"case": name, "ok": False, "detail": f"{type(error).__name__}: {error}"[:800]})
            traceback.print_exc(file=sys.stderr)
        return fn

    return wrap


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def openapi():
    return KmsClient(
        OpenApiConfig(
            access_key_id=CONFIG["accessKeyId"],
            access_key_secret=CONFIG["accessKeySecret"],
            endpoint=CONFIG["openapi"],
            protocol="http",
            region_id="cn-hangzhou",
        )
    )


mgmt = openapi()


def client_key_file(name, created):
    path = os.path.join(WORK, f"clientKey_{name}.json")
    with open(path, "w") as f:
        json.dump({"KeyId": created.client_key_id, "PrivateKeyData": created.private_key_data}, f)
    return path


def gateway(key_file, ca=None, endpoint=None):
    config = GatewayConfig(
        protocol="https",
        client_key_file=key_file,
        password=PASSWORD,
        endpoint=endpoint or CONFIG["gateway"],
    )
    config.ca_file_path = ca or CA_FILE
    return GatewayClient(config)


def refusal(call):
    """The error code and HTTP status an SDK call raised."""
    try:
        call()
    except Exception as error:  # noqa: BLE001
        code = getattr(error, "code", None)
        data = getattr(error, "data", None) or {}
        return code, data.get("httpCode") if isinstance(data, dict) else None
    raise AssertionError("the call succeeded but was expected to be refused")


def no_retry():
    return RuntimeOptions(autoretry=False)


# --- management, typed ---------------------------------------------------------------------------
instance_id = mgmt.list_kms_instances(kms.ListKmsInstancesRequest()).body.kms_instances.kms_instance[0].kms_instance_id
instance = mgmt.get_kms_instance(kms.GetKmsInstanceRequest(kms_instance_id=instance_id)).body.kms_instance
CA_FILE = os.path.join(WORK, f"PrivateKmsCA_{instance_id}.pem")
with open(CA_FILE, "w") as f:
    f.write(instance.ca_certificate_chain_pem)

key_id = mgmt.create_key(kms.CreateKeyRequest(dkmsinstance_id=instance_id)).body.key_metadata.key_id
other_key = mgmt.create_key(kms.CreateKeyRequest(dkmsinstance_id=instance_id)).body.key_metadata.key_id
mgmt.create_secret(
    kms.CreateSecretRequest(
        secret_name="app/db-password", secret_data="s3cret-v1", version_id="v1", dkmsinstance_id=instance_id
    )
)


@case("management: network rule, policies, AAPs, client keys through typed models")
def _():
    rule = mgmt.create_network_rule(
        kms.CreateNetworkRuleRequest(name="loopback", type="Private", source_private_ip='["127.0.0.1","::1"]')
    ).body
    expect(rule.arn.endswith(":network/loopback"), rule.arn)
    mgmt.create_network_rule(
        kms.CreateNetworkRuleRequest(name="elsewhere", type="Private", source_private_ip='["10.9.0.0/16"]')
    )
    policy = mgmt.create_policy(
        kms.CreatePolicyRequest(
            name="app-policy",
            kms_instance=instance_id,
            permissions=json.dumps([KEY_USER, SECRET_USER]),
            resources=json.dumps([f"key/{key_id}", "secret/app/db-password"]),
            access_control_rules='{"NetworkRules":["loopback"]}',
        )
    ).body
    expect(policy.kms_instance == instance_id, policy.kms_instance)
    described = mgmt.describe_policy(kms.DescribePolicyRequest(name="app-policy")).body
    expect(described.permissions == [KEY_USER, SECRET_USER], described.permissions)
    mgmt.create_policy(
        kms.CreatePolicyRequest(
            name="keys-only", kms_instance=instance_id, permissions=json.dumps([KEY_USER]), resources='["key/*"]'
        )
    )
    mgmt.create_policy(
        kms.CreatePolicyRequest(
            name="far-away",
            kms_instance=instance_id,
            permissions=json.dumps([KEY_USER]),
            resources='["key/*"]',
            access_control_rules='{"NetworkRules":["elsewhere"]}',
        )
    )
    for name, policies in (("app", '["app-policy"]'), ("keys-app", '["keys-only"]'), ("far-app", '["far-away"]')):
        aap = mgmt.create_application_access_point(
            kms.CreateApplicationAccessPointRequest(name=name, authentication_method="ClientKey", policies=policies)
        ).body
        expect(aap.policies == policies, aap.policies)
    listed = mgmt.list_application_access_points(kms.ListApplicationAccessPointsRequest()).body
    expect(listed.total_count == 3, listed.total_count)
    rules = mgmt.list_network_rules(kms.ListNetworkRulesRequest()).body.network_rules.network_rule
    expect([r.name for r in rules] == ["loopback", "elsewhere"], [r.name for r in rules])
    expect(len(mgmt.list_policies(kms.ListPoliciesRequest()).body.policies.policy) == 3, "3 policies")
    return "3 AAPs, 3 policies, 2 rules"


KEYS = {}


@case("management: CreateClientKey answers a client key file the KMS Instance SDK loads")
def _():
    for aap in ("app", "keys-app", "far-app"):
        created = mgmt.create_client_key(kms.CreateClientKeyRequest(aap_name=aap, password=PASSWORD)).body
        expect(created.client_key_id.startswith("KAAP."), created.client_key_id)
        expect(created.key_algorithm == "RSA_2048", created.key_algorithm)
        KEYS[aap] = client_key_file(aap, created)
        got = mgmt.get_client_key(kms.GetClientKeyRequest(client_key_id=created.client_key_id)).body
        expect(got.aap_name == aap and "BEGIN CERTIFICATE" in got.public_key_data, got.aap_name)
    listed = mgmt.list_client_keys(kms.ListClientKeysRequest(aap_name="app")).body.client_keys
    expect(len(listed) == 1, len(listed))
    return ", ".join(KEYS)


# --- the KMS Instance SDK ------------------------------------------------------------------------
@case("Encrypt / Decrypt (AES-GCM, Aad), certificate verification on")
def _():
    client = gateway(KEYS["app"])
    enc = client.encrypt(dkms.EncryptRequest(key_id=key_id, plaintext=b"hello instance", aad=b"ctx"))
    expect(enc.key_id == key_id and enc.algorithm == "AES_GCM" and len(enc.iv) == 12, enc.to_map())
    dec = client.decrypt(
        dkms.DecryptRequest(key_id=key_id, ciphertext_blob=enc.ciphertext_blob, iv=enc.iv, aad=b"ctx")
    )
    expect(dec.plaintext == b"hello instance", dec.plaintext)
    code, status = refusal(
        lambda: client.decrypt_with_options(
            dkms.DecryptRequest(key_id=key_id, ciphertext_blob=enc.ciphertext_blob, iv=enc.iv, aad=b"other"),
            no_retry(),
        )
    )
    expect(code == "InvalidCiphertext", (code, status))
    return f"request {enc.request_id}"


@case("GenerateDataKey: the plaintext data key decrypts from its ciphertext")
def _():
    client = gateway(KEYS["app"])
    out = client.generate_data_key(dkms.GenerateDataKeyRequest(key_id=key_id, number_of_bytes=32))
    expect(len(out.plaintext) == 32, len(out.plaintext))
    dec = client.decrypt(dkms.DecryptRequest(key_id=key_id, ciphertext_blob=out.ciphertext_blob, iv=out.iv))
    expect(dec.plaintext == out.plaintext, "data key round trip")


@case("AdvanceEncrypt / AdvanceDecrypt / AdvanceGenerateDataKey; OpenAPI Decrypt reads Advance ciphertext")
def _():
    client = gateway(KEYS["app"])
    enc = client.advance_encrypt(dkms.AdvanceEncryptRequest(key_id=key_id, plaintext=b"advanced"))
    expect(enc.key_version_id, enc.to_map())
    dec = client.advance_decrypt(dkms.AdvanceDecryptRequest(ciphertext_blob=enc.ciphertext_blob))
    expect(dec.plaintext == b"advanced" and dec.key_version_id == enc.key_version_id, dec.to_map())
    via_openapi = mgmt.decrypt(
        kms.DecryptRequest(ciphertext_blob=base64.b64encode(enc.ciphertext_blob).decode())
    ).body
    expect(via_openapi.plaintext == "advanced", via_openapi.plaintext)
    gdk = client.advance_generate_data_key(dkms.AdvanceGenerateDataKeyRequest(key_id=key_id, number_of_bytes=16))
    dk = client.advance_decrypt(dkms.AdvanceDecryptRequest(ciphertext_blob=gdk.ciphertext_blob))
    expect(dk.plaintext == gdk.plaintext and len(gdk.plaintext) == 16, "advance data key")


@case("GenerateRandom")
def _():
    out = gateway(KEYS["app"]).generate_random(dkms.GenerateRandomRequest(length=48))
    expect(len(out.random) == 48, len(out.random))
    code, status = refusal(
        lambda: gateway(KEYS["app"]).generate_random_with_options(dkms.GenerateRandomRequest(length=4096), no_retry())
    )
    expect((code, status) == ("InvalidParameter", 400), (code, status))


@case("GetSecretValue reads the secret the OpenAPI created, and its new version after PutSecretValue")
def _():
    client = gateway(KEYS["app"])
    got = client.get_secret_value(dkms.GetSecretValueRequest(secret_name="app/db-password"))
    expect(got.secret_data == "s3cret-v1" and got.version_id == "v1", got.to_map())
    expect("ACSCurrent" in got.version_stages, got.version_stages)
    mgmt.put_secret_value(
        kms.PutSecretValueRequest(secret_name="app/db-password", secret_data="s3cret-v2", version_id="v2")
    )
    again = client.get_secret_value(dkms.GetSecretValueRequest(secret_name="app/db-password"))
    expect(again.secret_data == "s3cret-v2", again.secret_data)
    old = client.get_secret_value(dkms.GetSecretValueRequest(secret_name="app/db-password", version_stage="ACSPrevious"))
    expect(old.secret_data == "s3cret-v1", old.secret_data)


@case("refusals: a key, a secret, a network the policies do not cover (Forbidden.NoPermission 403)")
def _():
    checks = {
        "key outside Resources": refusal(
            lambda: gateway(KEYS["app"]).encrypt_with_options(
                dkms.EncryptRequest(key_id=other_key, plaintext=b"x"), no_retry()
            )
        ),
        "secret without SecretUser": refusal(
            lambda: gateway(KEYS["keys-app"]).get_secret_value_with_options(
                dkms.GetSecretValueRequest(secret_name="app/db-password"), no_retry()
            )
        ),
        "source IP outside the network rule": refusal(
            lambda: gateway(KEYS["far-app"]).encrypt_with_options(
                dkms.EncryptRequest(key_id=key_id, plaintext=b"x"), no_retry()
            )
        ),
    }
    for what, got in checks.items():
        expect(got == ("Forbidden.NoPermission", 403), f"{what}: {got}")
    # keys-app covers key/* from anywhere: allowed.
    gateway(KEYS["keys-app"]).encrypt(dkms.EncryptRequest(key_id=other_key, plaintext=b"x"))
    return "3 refusals"


@case("refusals: unknown key, disabled key, missing secret")
def _():
    client = gateway(KEYS["keys-app"])
    got = refusal(lambda: client.encrypt_with_options(dkms.EncryptRequest(key_id="key-nope", plaintext=b"x"), no_retry()))
    expect(got == ("Forbidden.KeyNotFound", 404), got)
    mgmt.disable_key(kms.DisableKeyRequest(key_id=other_key))
    got = refusal(lambda: client.encrypt_with_options(dkms.EncryptRequest(key_id=other_key, plaintext=b"x"), no_retry()))
    expect(got[0] == "Rejected.Disabled", got)
    mgmt.enable_key(kms.EnableKeyRequest(key_id=other_key))
    got = refusal(
        lambda: gateway(KEYS["app"]).get_secret_value_with_options(
            dkms.GetSecretValueRequest(secret_name="nope"), no_retry()
        )
    )
    expect(got[0] == "Forbidden.ResourceNotFound", got)


@case("refusals: deleted client key (401), wrong private key (401), expired client key (401)")
def _():
    created = mgmt.create_client_key(kms.CreateClientKeyRequest(aap_name="app", password=PASSWORD)).body
    doomed = client_key_file("doomed", created)
    mgmt.delete_client_key(kms.DeleteClientKeyRequest(client_key_id=created.client_key_id))
    got = refusal(lambda: gateway(doomed).generate_random_with_options(dkms.GenerateRandomRequest(length=8), no_retry()))
    expect(got == ("InvalidAccessKeyId.NotFound", 401), got)
    # The KeyId of one client key with the private key of another.
    real = json.load(open(KEYS["app"]))
    forged = json.load(open(KEYS["keys-app"]))
    forged_path = os.path.join(WORK, "clientKey_forged.json")
    json.dump({"KeyId": real["KeyId"], "PrivateKeyData": forged["PrivateKeyData"]}, open(forged_path, "w"))
    got = refusal(lambda: gateway(forged_path).generate_random_with_options(dkms.GenerateRandomRequest(length=8), no_retry()))
    expect(got == ("SignatureDoesNotMatch", 401), got)
    expired = mgmt.create_client_key(
        kms.CreateClientKeyRequest(
            aap_name="app", password=PASSWORD, not_before="2020-01-01T00:00:00Z", not_after="2021-01-01T00:00:00Z"
        )
    ).body
    got = refusal(
        lambda: gateway(client_key_file("expired", expired)).generate_random_with_options(
            dkms.GenerateRandomRequest(length=8), no_retry()
        )
    )
    expect(got == ("InvalidAccessKeyId.Inactive", 401), got)


@case("certificate verification is on: a trust file without the instance CA is refused")
def _():
    import certifi

    # A host name of its own: the SDK keeps one session (and its live connections) per host.
    endpoint = "localhost:" + CONFIG["gateway"].rsplit(":", 1)[1]
    try:
        gateway(KEYS["app"], ca=certifi.where(), endpoint=endpoint).generate_random_with_options(
            dkms.GenerateRandomRequest(length=8), no_retry()
        )
    except Exception as error:  # noqa: BLE001
        expect("certificate" in str(error).lower() or "ssl" in str(error).lower(), str(error)[:300])
    else:
        raise AssertionError("connected without trusting the instance CA")
    # The same name with the instance CA: the loopback certificate names localhost too.
    out = gateway(KEYS["app"], endpoint=endpoint).generate_random(dkms.GenerateRandomRequest(length=8))
    expect(len(out.random) == 8, "localhost with the CA")
    return "TLS refused without the CA, accepted with it"


@case("Rejected.Throttling (429) is retried by the SDK")
def _():
    body = json.dumps(
        {"action": "GenerateRandom", "error": {"code": "Rejected.Throttling", "status": 429}, "times": 1}
    ).encode()
    req = urllib.request.Request(
        f"http://{CONFIG['openapi']}/_emulator/faults", data=body, headers={"content-type": "application/json"}
    )
    urllib.request.urlopen(req).read()
    out = gateway(KEYS["app"]).generate_random(dkms.GenerateRandomRequest(length=8))
    expect(len(out.random) == 8, "retried")


@case("Sign / Verify (RAW and DIGEST), GetPublicKey checked by the cryptography package")
def _():
    import hashlib

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

    client = gateway(KEYS["keys-app"])
    rsa_key = mgmt.create_key(
        kms.CreateKeyRequest(dkmsinstance_id=instance_id, key_spec="RSA_2048", key_usage="SIGN/VERIFY")
    ).body.key_metadata.key_id
    ec_key = mgmt.create_key(
        kms.CreateKeyRequest(dkmsinstance_id=instance_id, key_spec="EC_P256", key_usage="SIGN/VERIFY")
    ).body.key_metadata.key_id
    message = b"order 42 shipped"
    signed = client.sign(dkms.SignRequest(key_id=rsa_key, algorithm="RSA_PSS_SHA_256", message=message))
    expect(signed.message_type == "RAW", signed.message_type)
    ok = client.verify(
        dkms.VerifyRequest(key_id=rsa_key, algorithm="RSA_PSS_SHA_256", message=message, signature=signed.signature)
    )
    expect(ok.value is True, ok.to_map())
    bad = client.verify(
        dkms.VerifyRequest(key_id=rsa_key, algorithm="RSA_PSS_SHA_256", message=b"tampered", signature=signed.signature)
    )
    expect(bad.value is False, bad.to_map())
    pem = client.get_public_key(dkms.GetPublicKeyRequest(key_id=rsa_key)).public_key
    public = serialization.load_pem_public_key(pem.encode())
    public.verify(
        signed.signature,
        message,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )
    digest = hashlib.sha256(message).digest()
    ec_signed = client.sign(
        dkms.SignRequest(key_id=ec_key, algorithm="ECDSA_SHA_256", message=digest, message_type="DIGEST")
    )
    ec_public = serialization.load_pem_public_key(client.get_public_key(dkms.GetPublicKeyRequest(key_id=ec_key)).public_key.encode())
    ec_public.verify(ec_signed.signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    code, _ = refusal(
        lambda: client.sign_with_options(
            dkms.SignRequest(key_id=ec_key, algorithm="RSA_PSS_SHA_256", message=message), no_retry()
        )
    )
    expect(code == "InvalidParameter", code)
    return "RSA-PSS and ECDSA verified by cryptography"


@case("Encrypt / Decrypt with an RSA key (RSAES_OAEP_SHA_256), checked by the cryptography package")
def _():
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    client = gateway(KEYS["keys-app"])
    rsa_key = mgmt.create_key(
        kms.CreateKeyRequest(dkmsinstance_id=instance_id, key_spec="RSA_2048", key_usage="ENCRYPT/DECRYPT")
    ).body.key_metadata.key_id
    public = serialization.load_pem_public_key(client.get_public_key(dkms.GetPublicKeyRequest(key_id=rsa_key)).public_key.encode())
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    outside = public.encrypt(b"sealed outside", oaep)
    dec = client.decrypt(dkms.DecryptRequest(key_id=rsa_key, algorithm="RSAES_OAEP_SHA_256", ciphertext_blob=outside))
    expect(dec.plaintext == b"sealed outside", dec.plaintext)
    enc = client.encrypt(dkms.EncryptRequest(key_id=rsa_key, algorithm="RSAES_OAEP_SHA_256", plaintext=b"inside"))
    back = client.decrypt(dkms.DecryptRequest(key_id=rsa_key, algorithm="RSAES_OAEP_SHA_256", ciphertext_blob=enc.ciphertext_blob))
    expect(back.plaintext == b"inside", back.plaintext)


@case("GenerateDataKeyPair (+WithoutPlaintext, Advance…): the private key decrypts and matches the public key")
def _():
    from cryptography.hazmat.primitives import serialization

    client = gateway(KEYS["app"])
    pair = client.generate_data_key_pair(
        dkms.GenerateDataKeyPairRequest(key_id=key_id, key_pair_spec="RSA_2048", key_format="PEM")
    )
    private = serialization.load_pem_private_key(pair.private_key_plaintext, password=None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expect(public_pem == pair.public_key, "public key matches")
    opened = client.decrypt(
        dkms.DecryptRequest(key_id=key_id, ciphertext_blob=pair.private_key_ciphertext_blob, iv=pair.iv)
    )
    expect(opened.plaintext == pair.private_key_plaintext, "private key decrypts")
    bare = client.generate_data_key_pair_without_plaintext(
        dkms.GenerateDataKeyPairWithoutPlaintextRequest(key_id=key_id, key_pair_spec="EC_P256", key_format="DER")
    )
    der = client.decrypt(
        dkms.DecryptRequest(key_id=key_id, ciphertext_blob=bare.private_key_ciphertext_blob, iv=bare.iv)
    ).plaintext
    expect(
        serialization.load_der_private_key(der, password=None).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == bare.public_key,
        "EC pair",
    )
    adv = client.advance_generate_data_key_pair(
        dkms.AdvanceGenerateDataKeyPairRequest(key_id=key_id, key_pair_spec="EC_P256K", key_format="PEM")
    )
    back = client.advance_decrypt(dkms.AdvanceDecryptRequest(ciphertext_blob=adv.private_key_ciphertext_blob))
    expect(back.plaintext == adv.private_key_plaintext and adv.key_version_id, "advance pair")
    adv_bare = client.advance_generate_data_key_pair_without_plaintext(
        dkms.AdvanceGenerateDataKeyPairWithoutPlaintextRequest(key_id=key_id, key_pair_spec="RSA_2048")
    )
    expect(adv_bare.private_key_ciphertext_blob and b"BEGIN PUBLIC KEY" in adv_bare.public_key, "advance bare")
    code, _ = refusal(
        lambda: client.generate_data_key_pair_with_options(
            dkms.GenerateDataKeyPairRequest(key_id=key_id, key_pair_spec="RSA_1024"), no_retry()
        )
    )
    expect(code == "InvalidParameter", code)


print(json.dumps(results))
