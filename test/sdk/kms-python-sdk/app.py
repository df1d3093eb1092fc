"""The "KMS SDK" for Python (alibabacloud-kms-python-sdk): one client that sends management to the
OpenAPI and cryptography and secrets to the KMS instance, certificate verification on.

Usage: app.py <world.json> (test/helpers/instance-access.ts); prints one JSON array of results.
"""
import json
import sys
import urllib.request

from alibabacloud_kms20160120 import models as kms_models
from alibabacloud_kms_kms20160120.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from openapi import models as dkms_models
from sdk import models as dkms

w = json.load(open(sys.argv[1]))
results = []


def case(name, fn):
    try:
        results.append({"case": name, "ok": True, "detail": fn() or ""})
    except Exception as error:  # noqa: BLE001
        results.append({"case": name, "ok": False, "detail": f"{type(error).__name__}: {error}"[:600]})


instance = dkms_models.Config(
    protocol="https", client_key_file=w["clientKeys"]["keys-app"], password=w["password"], endpoint=w["gateway"]
)
instance.ca_file_path = w["caFile"]
openapi = open_api_models.Config(
    access_key_id="LTAIEmulatorAccessKeyId",
    access_key_secret="EmulatorAccessKeySecret",
    endpoint=w["controlUrl"].replace("http://", ""),
    protocol="http",
    region_id="cn-hangzhou",
)
client = Client(kms_instance_config=instance, open_api_config=openapi)


def management_then_cryptography():
    # Management through the OpenAPI …
    created = client.create_key(kms_models.CreateKeyRequest(dkmsinstance_id=w["instanceId"])).body.key_metadata
    described = client.describe_key(kms_models.DescribeKeyRequest(key_id=created.key_id)).body.key_metadata
    assert described.dkmsinstance_id == w["instanceId"], described.dkmsinstance_id
    # … cryptography through the instance, with the key just made (keys-app may use key/*).
    enc = client.encrypt(dkms.EncryptRequest(key_id=created.key_id, plaintext=b"routed"))
    dec = client.decrypt(dkms.DecryptRequest(key_id=created.key_id, ciphertext_blob=enc.ciphertext_blob, iv=enc.iv))
    assert dec.plaintext == b"routed", dec.plaintext
    return created.key_id


def transfer_client_openapi_to_the_instance():
    # TransferClient built from a KMS instance config alone makes that instance endpoint its OpenAPI
    # endpoint too (transfer_client.py: `open_api_models.Config(endpoint=kms_config.endpoint)`), so
    # every operation outside the ten it hands to the Instance API (here ListKeys) is an OpenAPI call
    # addressed to the instance endpoint. That Config carries no AccessKey, and alibabacloud-tea-openapi
    # (0.4.6, what pip resolves) stops such a call with InvalidCredentials before sending it: nothing
    # reaches the instance endpoint, which the emulator's audit journal confirms.
    from alibabacloud_kms_kms20160120.models import KmsConfig, KmsRuntimeOptions
    from alibabacloud_kms_kms20160120.transfer_client import TransferClient

    config = KmsConfig(
        protocol="https", client_key_file=w["clientKeys"]["keys-app"], password=w["password"], endpoint=w["gateway"]
    )
    config.ca_file_path = w["caFile"]
    transfer = TransferClient(kms_config=config)
    try:
        transfer.list_keys_with_options(kms_models.ListKeysRequest(), KmsRuntimeOptions(ca=w["caFile"]))
    except Exception as error:  # noqa: BLE001
        code = getattr(error, "code", None)
        assert code == "InvalidCredentials", f"ListKeys: {type(error).__name__} {code}: {error}"
    else:
        raise AssertionError("ListKeys through the TransferClient's OpenAPI half succeeded")
    with urllib.request.urlopen(w["controlUrl"] + "/_emulator/audit?action=ListKeys") as res:
        events = json.load(res)["events"]
    assert events == [], f"the emulator saw ListKeys: {events}"
    return "ListKeys, addressed to the instance endpoint, stops client-side (InvalidCredentials): never sent"


def transfer_client_encrypt_decrypt():
    # TransferClient with both configs sends Encrypt/Decrypt to the instance's AdvanceEncrypt/
    # AdvanceDecrypt: it strips the Advance ciphertext's 3-byte head ('$' 0x00 0x02) to hand an
    # OpenAPI ciphertext back, and puts it back for AdvanceDecrypt. The round trip needs that head.
    from alibabacloud_kms_kms20160120.models import KmsConfig
    from alibabacloud_kms_kms20160120.transfer_client import TransferClient

    config = KmsConfig(
        protocol="https", client_key_file=w["clientKeys"]["keys-app"], password=w["password"], endpoint=w["gateway"]
    )
    config.ca_file_path = w["caFile"]
    transfer = TransferClient(config=openapi, kms_config=config)
    key_id = client.create_key(kms_models.CreateKeyRequest(dkmsinstance_id=w["instanceId"])).body.key_metadata.key_id
    enc = transfer.encrypt(kms_models.EncryptRequest(key_id=key_id, plaintext="dHJhbnNmZXI="))
    dec = transfer.decrypt(kms_models.DecryptRequest(ciphertext_blob=enc.body.ciphertext_blob))
    assert dec.body.plaintext == "dHJhbnNmZXI=", dec.body.plaintext
    # What it handed back is an OpenAPI ciphertext: the OpenAPI itself (the plain Tea client) reads it.
    from alibabacloud_kms20160120.client import Client as OpenApiKms

    direct = OpenApiKms(openapi).decrypt(kms_models.DecryptRequest(ciphertext_blob=enc.body.ciphertext_blob))
    assert direct.body.plaintext == "dHJhbnNmZXI=", direct.body.plaintext
    return key_id


case("management through the OpenAPI, cryptography through the instance", management_then_cryptography)
case("TransferClient: Encrypt and Decrypt round trip through the instance", transfer_client_encrypt_decrypt)
case("TransferClient with only an instance config: OpenAPI operations", transfer_client_openapi_to_the_instance)
print(json.dumps(results))
