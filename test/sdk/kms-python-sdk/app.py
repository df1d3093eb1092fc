"""The "KMS SDK" for Python (alibabacloud-kms-python-sdk): one client that sends management to the
OpenAPI and cryptography and secrets to the KMS instance, certificate verification on.

Usage: app.py <world.json> (test/helpers/instance-access.ts); prints one JSON array of results.
"""
import json
import sys

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


case("management through the OpenAPI, cryptography through the instance", management_then_cryptography)
print(json.dumps(results))
