"""The `instance-openapi` row (issue #26 §1): the product document's Step 2 with the typed client.

alibabacloud_kms20160120 (SDK V2.0, AccessKey credentials) pointed at the instance endpoint
(KMS_GATEWAY_ENDPOINT, the gateway listener) over https with `Config(ca=<path of the instance CA
file>)` — Python's Tea takes a file path (it becomes requests' `verify`); verification stays on.
Prepared through the shared endpoint with the same typed client: CreateKey(DKMSInstanceId),
CreateSecret(DKMSInstanceId, EncryptionKeyId), GetKmsInstance(...).kms_instance.ca_certificate_chain_pem.
Checks, each on its own so the detail names every one that failed:
  1. GetSecretValue on the instance endpoint returns the secret's value;
  2. Encrypt then Decrypt round-trip (typed models);
  3. a management call (CreateKey, ListKeys) is refused with the code UnsupportedOperation;
  4. without the instance CA (the default trust store) the client refuses the endpoint's certificate,
     so 1–3 ran with verification on.
"""

import os
import tempfile

from harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION_ID, Fail, unique

ROW = "instance-openapi"
KMS_GATEWAY_ENDPOINT = os.environ.get("KMS_GATEWAY_ENDPOINT", "")


def _gateway_client(adapter, ca_path, endpoint=None):
    from alibabacloud_kms20160120.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    config = Config(
        access_key_id=ACCESS_KEY_ID,
        access_key_secret=ACCESS_KEY_SECRET,
        endpoint=endpoint or KMS_GATEWAY_ENDPOINT,
        protocol="https",
        region_id=REGION_ID,
    )
    if ca_path is not None:
        config.ca = ca_path
    if adapter.signature_algorithm:
        config.signature_algorithm = adapter.signature_algorithm
    return Client(config)


def _describe(err):
    code = getattr(err, "code", None)
    text = " ".join(str(err).split())[:200]
    return "%s: %s" % (code, text) if code else "%s: %s" % (type(err).__name__, text)


def run(adapter):
    """adapter: an adapters.TeaKms (V3) or TeaKmsV2 (RPC V1 signature); its .client is on the shared endpoint."""
    from alibabacloud_kms20160120 import models as m

    if not KMS_GATEWAY_ENDPOINT:
        raise Fail("KMS_GATEWAY_ENDPOINT is not set (the emulator has no --gateway-port)")
    shared = adapter.client
    # The instance, a key and a secret in it, and its CA: through the shared endpoint.
    instances = shared.list_kms_instances(m.ListKmsInstancesRequest(page_size=100)).body.kms_instances.kms_instance
    if not instances:
        raise Fail("ListKmsInstances on the shared endpoint lists no instance")
    instance_id = instances[0].kms_instance_id
    key_id = shared.create_key(m.CreateKeyRequest(dkmsinstance_id=instance_id)).body.key_metadata.key_id
    secret_name = unique("py-instance-openapi")
    secret_data = unique("Passw0rd#")
    shared.create_secret(
        m.CreateSecretRequest(
            secret_name=secret_name,
            secret_data=secret_data,
            version_id="v1",
            encryption_key_id=key_id,
            dkmsinstance_id=instance_id,
        )
    )
    ca_pem = shared.get_kms_instance(m.GetKmsInstanceRequest(kms_instance_id=instance_id)).body.kms_instance.ca_certificate_chain_pem
    if not ca_pem or "BEGIN CERTIFICATE" not in ca_pem:
        raise Fail("GetKmsInstance(%s).kms_instance.ca_certificate_chain_pem is %r" % (instance_id, ca_pem))
    with tempfile.NamedTemporaryFile("w", suffix=".pem", prefix="instance-ca-", delete=False) as handle:
        handle.write(ca_pem)
        ca_path = handle.name
    try:
        gateway = _gateway_client(adapter, ca_path)
        failures = []
        passed = []

        # 1. GetSecretValue
        try:
            got = gateway.get_secret_value(m.GetSecretValueRequest(secret_name=secret_name)).body
            if got.secret_data != secret_data or got.version_id != "v1":
                failures.append("GetSecretValue: expected (%r, v1), got (%r, %r)" % (secret_data, got.secret_data, got.version_id))
            else:
                passed.append("get_secret_value")
        except Exception as err:
            failures.append("GetSecretValue: " + _describe(err))

        # 2. Encrypt / Decrypt
        try:
            context = {"app": "py-instance-openapi"}  # the model's type: a dict, JSON-encoded by the client
            sealed = gateway.encrypt(m.EncryptRequest(key_id=key_id, plaintext="hello instance", encryption_context=context)).body
            if sealed.key_id != key_id:
                raise Fail("Encrypt: key_id %r, expected %r" % (sealed.key_id, key_id))
            opened = gateway.decrypt(m.DecryptRequest(ciphertext_blob=sealed.ciphertext_blob, encryption_context=context)).body
            if opened.plaintext != "hello instance" or opened.key_id != key_id:
                raise Fail("Decrypt: got (%r, %r)" % (opened.plaintext, opened.key_id))
            passed.append("encrypt/decrypt")
        except Exception as err:
            failures.append("Encrypt/Decrypt: " + _describe(err))

        # 3. Management operations are the shared endpoint's only.
        for name, call in (
            ("CreateKey", lambda: gateway.create_key(m.CreateKeyRequest(dkmsinstance_id=instance_id))),
            ("ListKeys", lambda: gateway.list_keys(m.ListKeysRequest())),
        ):
            try:
                call()
                failures.append("%s: expected UnsupportedOperation, the call succeeded" % name)
            except Exception as err:
                if getattr(err, "code", None) != "UnsupportedOperation":
                    failures.append("%s: expected UnsupportedOperation, got %s" % (name, _describe(err)))
                else:
                    passed.append("%s refused (UnsupportedOperation)" % name)

        # 4. Verification is on: the default trust store does not know the instance CA. darabonba keeps
        # one requests session per scheme://host:port for the whole process and reuses its pooled,
        # already verified connections whatever the next client's `ca`, so ask through the other
        # name the loopback certificate carries (localhost), where no connection was ever made.
        port = KMS_GATEWAY_ENDPOINT.rsplit(":", 1)[-1]
        try:
            _gateway_client(adapter, None, "localhost:" + port).get_secret_value(m.GetSecretValueRequest(secret_name=secret_name))
            failures.append("without config.ca the call succeeded: certificate verification is off")
        except Exception as err:
            if "CERTIFICATE_VERIFY_FAILED" not in str(err) and "certificate verify failed" not in str(err):
                failures.append("without config.ca: expected a certificate verification error, got " + _describe(err))
            else:
                passed.append("no CA: certificate refused")
    finally:
        os.unlink(ca_path)
    if failures:
        raise Fail("; ".join(failures))
    return "%s on https://%s with Config(ca=<file>): %s" % (instance_id, KMS_GATEWAY_ENDPOINT, ", ".join(passed))
