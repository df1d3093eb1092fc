"""The conformance rows for KMS OpenAPI clients (anything with the adapters.call shape)."""

import base64
import json
import re

from harness import (
    ACCESS_KEY_ID,
    RDS_RESOURCE_ROUTE,
    SEED_DOCUMENT,
    SEED_KEY_ALIAS,
    SEED_KEY_DESCRIPTION,
    SEED_KEY_ID,
    SEED_ROUTE,
    SEED_SECRET_DATA,
    SEED_SECRET_NAME,
    SEED_SECRET_VERSION,
    UNKNOWN_ACCESS_KEY_ID,
    WRONG_ACCESS_KEY_SECRET,
    ApiError,
    Fail,
    NotBuilt,
    check,
    classify,
    control,
    control_required,
    equal,
    expect_error,
    field,
    poll,
    unique,
)

ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def version_stages(response):
    """VersionStages.VersionStage as a list (GetSecretValue, ListSecretVersionIds items)."""
    stages = field(response, "VersionStages", "VersionStage")
    check(isinstance(stages, list), "VersionStages.VersionStage is not a list: %r" % (stages,))
    return stages


def row_service(api):
    r = api.call("DescribeRegions")
    regions = [field(x, "RegionId") for x in field(r, "Regions", "Region")]
    check("cn-hangzhou" in regions, "DescribeRegions lacks cn-hangzhou: %s" % regions)
    return "%d regions incl. cn-hangzhou" % len(regions)


def row_errors(api):
    """Three independent checks; any failure fails the row, else any not-built makes it not-built-yet."""
    notes, fails, not_built = [], [], []

    def sub(label, fn):
        try:
            notes.append("%s: %s" % (label, fn()))
        except NotBuilt as out:
            not_built.append("%s: %s" % (label, out.detail))
        except Fail as out:
            fails.append("%s: %s" % (label, out.detail))
        except ApiError as err:
            out = classify(err)
            (not_built if isinstance(out, NotBuilt) else fails).append("%s: %s" % (label, out.detail))

    name = unique("conformance/no-such-secret")
    sub(
        "unknown secret",
        lambda: expect_error(
            lambda: api.call("GetSecretValue", SecretName=name), ["Forbidden.ResourceNotFound"], 404, "GetSecretValue"
        ).code,
    )
    bad_secret = api.with_credentials(ACCESS_KEY_ID, WRONG_ACCESS_KEY_SECRET)
    sub(
        "wrong secret",
        lambda: expect_error(
            lambda: bad_secret.call("DescribeRegions"), list(api.wrong_secret_codes), 400, "wrong AccessKeySecret"
        ).code,
    )
    unknown = api.with_credentials(UNKNOWN_ACCESS_KEY_ID, "whatever-secret")
    sub(
        "unknown AK",
        lambda: expect_error(
            lambda: unknown.call("DescribeRegions"), ["InvalidAccessKeyId.NotFound"], 404, "unknown AccessKeyId"
        ).code,
    )
    if fails:
        raise Fail("; ".join(fails + not_built))
    if not_built:
        raise NotBuilt("; ".join(not_built + notes))
    return "; ".join(notes)


def row_instances(api):
    r = api.call("ListKmsInstances")
    items = field(r, "KmsInstances", "KmsInstance")
    check(isinstance(items, list) and len(items) > 0, "ListKmsInstances returned no instance: %r" % (r,))
    total = field(r, "TotalCount")
    check(isinstance(total, int) and total >= len(items), "TotalCount %r < %d listed" % (total, len(items)))
    first = field(items, 0, "KmsInstanceId")
    check(re.match(r"^kst-[a-z0-9]+", first or ""), "KmsInstanceId %r does not look like kst-…" % first)
    arn = items[0].get("KmsInstanceArn")
    if arn is not None:
        check(arn.endswith(first), "KmsInstanceArn %r does not end with %s" % (arn, first))
    g = api.call("GetKmsInstance", KmsInstanceId=first)
    equal(field(g, "KmsInstance", "InstanceId"), first, "GetKmsInstance KmsInstance.InstanceId")
    status = field(g, "KmsInstance", "Status")
    check(isinstance(status, str) and status, "KmsInstance.Status empty")
    return "%d instance(s); %s is %s" % (len(items), first, status)


def create_key(api, description):
    r = api.call("CreateKey", Description=description)
    meta = field(r, "KeyMetadata")
    key_id = field(meta, "KeyId")
    check(isinstance(key_id, str) and key_id, "CreateKey returned no KeyId")
    return key_id, meta


def row_keys(api):
    description = unique("conformance key")
    key_id, meta = create_key(api, description)
    equal(field(meta, "KeyState"), "Enabled", "CreateKey KeyState")
    equal(field(meta, "KeySpec"), "Aliyun_AES_256", "CreateKey default KeySpec")
    equal(field(meta, "KeyUsage"), "ENCRYPT/DECRYPT", "CreateKey default KeyUsage")
    arn = field(meta, "Arn")
    check(arn.startswith("acs:kms:") and arn.endswith(":key/" + key_id), "Arn %r is not acs:kms:…:key/%s" % (arn, key_id))
    d = api.call("DescribeKey", KeyId=key_id)
    equal(field(d, "KeyMetadata", "KeyId"), key_id, "DescribeKey KeyId")
    equal(field(d, "KeyMetadata", "Description"), description, "DescribeKey Description")
    alias = "alias/" + unique("conformance")
    api.call("CreateAlias", AliasName=alias, KeyId=key_id)
    via_alias = api.call("DescribeKey", KeyId=alias)
    equal(field(via_alias, "KeyMetadata", "KeyId"), key_id, "DescribeKey(%s) KeyId" % alias)
    return "CreateKey -> Enabled Aliyun_AES_256 ENCRYPT/DECRYPT; DescribeKey by id and by a new alias"


def row_crypto(api):
    key_id, _ = create_key(api, unique("conformance crypto key"))
    context = {"purpose": "conformance", "tenant": "t-1"}
    plaintext = "hello, KMS emulator: + & = % / ✓ 你好"
    e = api.call("Encrypt", KeyId=key_id, Plaintext=plaintext, EncryptionContext=context)
    blob = field(e, "CiphertextBlob")
    equal(field(e, "KeyId"), key_id, "Encrypt KeyId")
    check(isinstance(e.get("KeyVersionId"), str) and e["KeyVersionId"], "Encrypt returned no KeyVersionId")
    check(blob and blob != plaintext, "CiphertextBlob is empty or the plaintext itself")
    d = api.call("Decrypt", CiphertextBlob=blob, EncryptionContext=context)
    equal(field(d, "Plaintext"), plaintext, "Decrypt Plaintext")
    equal(field(d, "KeyId"), key_id, "Decrypt KeyId")
    wrong = expect_error(
        lambda: api.call("Decrypt", CiphertextBlob=blob, EncryptionContext={"purpose": "other"}),
        None,
        None,
        "Decrypt with a wrong EncryptionContext",
    )
    g = api.call("GenerateDataKey", KeyId=key_id)
    data_key = field(g, "Plaintext")
    try:
        raw = base64.b64decode(data_key, validate=True)
    except Exception:
        raise Fail("GenerateDataKey Plaintext is not base64: %r" % data_key)
    equal(len(raw), 32, "GenerateDataKey default data key length (bytes)")
    equal(field(g, "KeyId"), key_id, "GenerateDataKey KeyId")
    dk = api.call("Decrypt", CiphertextBlob=field(g, "CiphertextBlob"))
    equal(field(dk, "Plaintext"), data_key, "Decrypt(GenerateDataKey blob) Plaintext")
    return "round trip ok; wrong context -> %s (HTTP %s); data key round trip ok" % (wrong.code, wrong.http_status)


def get_secret(api, name, **extra):
    return api.call("GetSecretValue", SecretName=name, **extra)


def row_secrets(api):
    name = unique("conformance/generic")
    v1 = '{"user":"app","password":"p@ss+w&rd=1%"}'
    v2 = "second value ✓ with spaces & symbols +/="
    c = api.call("CreateSecret", SecretName=name, SecretData=v1, VersionId="v1", SecretDataType="text")
    equal(field(c, "SecretName"), name, "CreateSecret SecretName")
    equal(field(c, "VersionId"), "v1", "CreateSecret VersionId")
    arn = c.get("Arn")
    check(arn is None or arn.endswith(":secret/" + name), "CreateSecret Arn %r does not end with secret/%s" % (arn, name))

    g1 = get_secret(api, name)
    equal(field(g1, "SecretData"), v1, "GetSecretValue SecretData (v1)")
    equal(field(g1, "VersionId"), "v1", "GetSecretValue VersionId")
    equal(field(g1, "SecretType"), "Generic", "GetSecretValue SecretType")
    equal(field(g1, "SecretDataType"), "text", "GetSecretValue SecretDataType")
    check("ACSCurrent" in version_stages(g1), "v1 is not ACSCurrent: %r" % version_stages(g1))

    p = api.call("PutSecretValue", SecretName=name, VersionId="v2", SecretData=v2)
    equal(field(p, "VersionId"), "v2", "PutSecretValue VersionId")
    g2 = get_secret(api, name)
    equal(field(g2, "SecretData"), v2, "GetSecretValue SecretData after PutSecretValue")
    equal(field(g2, "VersionId"), "v2", "GetSecretValue VersionId after PutSecretValue")
    check("ACSCurrent" in version_stages(g2), "v2 is not ACSCurrent: %r" % version_stages(g2))
    prev = get_secret(api, name, VersionStage="ACSPrevious")
    equal(field(prev, "VersionId"), "v1", "GetSecretValue(ACSPrevious) VersionId")
    equal(field(prev, "SecretData"), v1, "GetSecretValue(ACSPrevious) SecretData")

    listing = api.call("ListSecretVersionIds", SecretName=name)
    versions = {field(v, "VersionId"): version_stages(v) for v in field(listing, "VersionIds", "VersionId")}
    check(set(versions) >= {"v1", "v2"}, "ListSecretVersionIds lists %s, want v1 and v2" % sorted(versions))
    check("ACSCurrent" in versions["v2"], "ListSecretVersionIds: v2 stages %r lack ACSCurrent" % versions["v2"])
    check("ACSPrevious" in versions["v1"], "ListSecretVersionIds: v1 stages %r lack ACSPrevious" % versions["v1"])

    batch_note = ""
    if getattr(api, "has_batch_get_secret_value", False):
        # BatchGetSecretValue exists in the Tea SDK only: values and per-secret errors in one call.
        missing = unique("conformance/missing")
        batch = api.call(
            "BatchGetSecretValue",
            SecretsList=[{"SecretName": name}, {"SecretName": name, "VersionStage": "ACSPrevious"}, {"SecretName": missing}],
        )
        got = [(field(v, "VersionId"), field(v, "SecretData")) for v in batch.get("SecretValues") or []]
        equal(got, [("v2", v2), ("v1", v1)], "BatchGetSecretValue SecretValues")
        errors = [(e.get("SecretName"), e.get("Code"), e.get("HttpStatus")) for e in batch.get("Errors") or []]
        equal(errors, [(missing, "Forbidden.ResourceNotFound", 404)], "BatchGetSecretValue Errors")
        batch_note = "; BatchGetSecretValue with a per-secret error"

    deleted = api.call("DeleteSecret", SecretName=name, RecoveryWindowInDays="7")
    planned = field(deleted, "PlannedDeleteTime")
    check(ISO_SECONDS.match(planned or ""), "PlannedDeleteTime %r is not ISO-8601 UTC without ms" % planned)
    restored = api.call("RestoreSecret", SecretName=name)
    equal(field(restored, "SecretName"), name, "RestoreSecret SecretName")
    g3 = get_secret(api, name)
    equal(field(g3, "SecretData"), v2, "GetSecretValue after RestoreSecret")
    return "v1 -> v2 (ACSCurrent), v1 ACSPrevious; deleted with a 7-day window and restored" + batch_note


def create_rds_fixture(api, suffix):
    """A simulated RDS instance with one account, and an Rds secret managing that account."""
    instance_id = "rm-" + suffix
    password = "Init#Passw0rd-" + suffix[-6:]
    control_required(
        "POST",
        RDS_RESOURCE_ROUTE,
        {"DBInstanceId": instance_id, "Accounts": [{"AccountName": "app_user", "AccountPassword": password}]},
    )
    name = "conformance/rds-" + suffix
    api.call(
        "CreateSecret",
        SecretName=name,
        SecretType="Rds",
        VersionId="v1",
        SecretData=json.dumps({"Accounts": [{"AccountName": "app_user", "AccountPassword": password}]}),
        ExtendedConfig={"SecretSubType": "SingleUser", "DBInstanceId": instance_id, "CustomData": {}},
    )
    return name, instance_id, password


def rds_value(response, what):
    try:
        value = json.loads(field(response, "SecretData"))
    except ValueError:
        raise Fail("%s: SecretData is not JSON: %r" % (what, response.get("SecretData")))
    check(isinstance(value, dict), "%s: SecretData is not a JSON object" % what)
    return value


def rotate_and_wait(api, name, old_version):
    api.call("RotateSecret", SecretName=name, VersionId="rotation-1")
    current = poll(lambda: get_secret(api, name), lambda r: r.get("VersionId") != old_version, timeout=30)
    check(current.get("VersionId") != old_version, "ACSCurrent still %s 30 s after RotateSecret" % old_version)
    return current


def row_managed_rotation(api):
    name, instance_id, password = create_rds_fixture(api, unique("conf").replace("-", ""))
    g1 = get_secret(api, name, FetchExtendedConfig=True)
    equal(field(g1, "SecretType"), "Rds", "GetSecretValue SecretType")
    value = rds_value(g1, "Rds secret")
    equal(value.get("AccountName"), "app_user", "Rds SecretData AccountName")
    equal(value.get("AccountPassword"), password, "Rds SecretData AccountPassword")
    extended = field(g1, "ExtendedConfig")
    check(isinstance(extended, str), "ExtendedConfig must be a JSON string, got %s" % type(extended).__name__)
    equal(json.loads(extended).get("DBInstanceId"), instance_id, "ExtendedConfig.DBInstanceId")
    old_version = field(g1, "VersionId")
    g2 = rotate_and_wait(api, name, old_version)
    rotated = rds_value(g2, "rotated Rds secret")
    equal(rotated.get("AccountName"), "app_user", "rotated AccountName (SingleUser)")
    check(rotated.get("AccountPassword") not in (None, "", password), "the password did not change on rotation")
    prev = get_secret(api, name, VersionStage="ACSPrevious")
    equal(rds_value(prev, "ACSPrevious").get("AccountPassword"), password, "ACSPrevious AccountPassword")
    return "rotated %s -> %s; new password is ACSCurrent, old one ACSPrevious" % (old_version, g2.get("VersionId"))


def post_seed():
    """Seeds a freshly reset emulator (so each client can seed the same document)."""
    status, _ = control("POST", "reset")
    if status not in (200, 404):
        raise Fail("POST /_emulator/reset answered %s" % status)
    return control_required("POST", SEED_ROUTE, SEED_DOCUMENT)


def row_seeded_fixture(api):
    post_seed()
    d = api.call("DescribeKey", KeyId=SEED_KEY_ALIAS)
    equal(field(d, "KeyMetadata", "KeyId"), SEED_KEY_ID, "seeded key id (via alias)")
    equal(field(d, "KeyMetadata", "Description"), SEED_KEY_DESCRIPTION, "seeded key Description")
    e = api.call("Encrypt", KeyId=SEED_KEY_ALIAS, Plaintext="seeded round trip")
    equal(field(api.call("Decrypt", CiphertextBlob=field(e, "CiphertextBlob")), "Plaintext"), "seeded round trip", "Decrypt with the seeded key")
    s = get_secret(api, SEED_SECRET_NAME)
    equal(field(s, "SecretData"), SEED_SECRET_DATA, "seeded SecretData")
    equal(field(s, "VersionId"), SEED_SECRET_VERSION, "seeded VersionId")
    return "seeded key %s (%s) and secret %s usable" % (SEED_KEY_ID, SEED_KEY_ALIAS, SEED_SECRET_NAME)


OPENAPI_ROWS = {
    "service": row_service,
    "errors": row_errors,
    "instances": row_instances,
    "keys": row_keys,
    "crypto": row_crypto,
    "secrets": row_secrets,
    "managed-rotation": row_managed_rotation,
    "seeded-fixture": row_seeded_fixture,
}

from asymmetric_rows import ASYMMETRIC_ROWS  # noqa: E402

OPENAPI_ROWS.update(ASYMMETRIC_ROWS)
