"""The `typed-denied` row (issue #25 §6): a RAM user's typed KMS call denied, then allowed, then denied again.

Set-up through RAM's own typed client, alibabacloud_ram20150501 (same Tea core, same endpoint,
Version 2015-05-01), signed by the root pair; KMS through alibabacloud_kms20160120's typed methods.
  1. root: CreateKey; RAM: CreateUser, CreateAccessKey;
  2. the user's Encrypt on that key raises ClientException, code Forbidden.NoPermission, whose
     `access_denied_detail` (alibabacloud_tea_openapi copies the envelope's AccessDeniedDetail onto
     it) says AuthAction kms:Encrypt, NoPermissionType ImplicitDeny, AuthPrincipalType SubUser,
     AuthPrincipalOwnerId the key's account;
  3. root: CreatePolicy (Allow kms:Encrypt on acs:kms:*:*:key/<id>), AttachPolicyToUser: the same
     call succeeds;
  4. a second policy with an explicit Deny of kms:Encrypt, attached: denied, ExplicitDeny.
"""

import json

from harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, KMS_ENDPOINT, REGION_ID, Fail, unique

ROW = "typed-denied"
RAM_CLIENT = "alibabacloud_ram20150501 1.3.0"


def _ram_client(adapter):
    from alibabacloud_ram20150501.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    config = Config(
        access_key_id=ACCESS_KEY_ID,
        access_key_secret=ACCESS_KEY_SECRET,
        endpoint=KMS_ENDPOINT,
        protocol="http",
        region_id=REGION_ID,
    )
    if adapter.signature_algorithm:
        config.signature_algorithm = adapter.signature_algorithm
    return Client(config)


def _policy(effect, key_id):
    return json.dumps(
        {
            "Version": "1",
            "Statement": [{"Effect": effect, "Action": ["kms:Encrypt"], "Resource": ["acs:kms:*:*:key/%s" % key_id]}],
        }
    )


def _denied(encrypt, want, account, what):
    """Runs encrypt(); it must raise the typed client's exception with the denial and its detail."""
    try:
        encrypt()
    except Exception as err:  # the Tea core's ClientException (alibabacloud_tea_openapi.exceptions)
        code = getattr(err, "code", None)
        if code != "Forbidden.NoPermission":
            raise Fail("%s: expected Forbidden.NoPermission, got %s: %s" % (what, code or type(err).__name__, " ".join(str(err).split())[:200]))
        detail = getattr(err, "access_denied_detail", None)
        if not isinstance(detail, dict):
            raise Fail("%s: %s.access_denied_detail is %r (data: %r)" % (what, type(err).__name__, detail, getattr(err, "data", None)))
        expected = {
            "AuthAction": "kms:Encrypt",
            "NoPermissionType": want,
            "AuthPrincipalType": "SubUser",
            "AuthPrincipalOwnerId": account,
        }
        wrong = ["%s=%r (want %r)" % (k, detail.get(k), v) for k, v in expected.items() if detail.get(k) != v]
        if wrong:
            raise Fail("%s: access_denied_detail %s" % (what, ", ".join(wrong)))
        for name in ("PolicyType", "AuthPrincipalDisplayName", "EncodedDiagnosticMessage"):
            if not isinstance(detail.get(name), str) or not detail.get(name):
                raise Fail("%s: access_denied_detail.%s is %r" % (what, name, detail.get(name)))
        status = getattr(err, "status_code", None)
        if status != 403:
            raise Fail("%s: expected HTTP 403 (Encrypt's spec names no other status for it), got %r" % (what, status))
        return "%s %s (HTTP %s)" % (type(err).__name__, want, status)
    raise Fail("%s: expected Forbidden.NoPermission, the call succeeded" % what)


def run(adapter):
    """adapter: an adapters.TeaKms (V3) or TeaKmsV2 (RPC V1 signature); its .client signs with the root pair."""
    from alibabacloud_kms20160120 import models as m
    from alibabacloud_ram20150501 import models as ram_models

    root = adapter.client
    ram = _ram_client(adapter)
    meta = root.create_key(m.CreateKeyRequest(description="typed-denied")).body.key_metadata
    key_id = meta.key_id
    account = meta.arn.split(":")[3]
    user_name = unique("py-denied")
    user = ram.create_user(ram_models.CreateUserRequest(user_name=user_name)).body.user
    if user.user_name != user_name:
        raise Fail("CreateUser: user.user_name %r" % user.user_name)
    access_key = ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name=user_name)).body.access_key
    if access_key.status != "Active" or not access_key.access_key_secret:
        raise Fail("CreateAccessKey: status %r, secret %r" % (access_key.status, access_key.access_key_secret))
    as_user = adapter.with_credentials(access_key.access_key_id, access_key.access_key_secret).client

    def encrypt():
        return as_user.encrypt(m.EncryptRequest(key_id=key_id, plaintext="denied, then allowed"))

    def attach(effect):
        name = unique("py-%s-encrypt" % effect.lower())
        ram.create_policy(ram_models.CreatePolicyRequest(policy_name=name, policy_document=_policy(effect, key_id)))
        ram.attach_policy_to_user(ram_models.AttachPolicyToUserRequest(policy_type="Custom", policy_name=name, user_name=user_name))

    implicit = _denied(encrypt, "ImplicitDeny", account, "Encrypt without a policy")
    attach("Allow")
    allowed = encrypt().body
    if allowed.key_id != key_id or not allowed.ciphertext_blob:
        raise Fail("Encrypt with the Allow policy: key_id %r, ciphertext_blob %r" % (allowed.key_id, allowed.ciphertext_blob))
    attach("Deny")
    explicit = _denied(encrypt, "ExplicitDeny", account, "Encrypt with an explicit Deny")
    return "Forbidden.NoPermission with %s, then allowed by a custom policy, then %s; detail from the exception's .access_denied_detail; RAM set-up through %s" % (
        implicit,
        explicit,
        RAM_CLIENT,
    )
