"""Typed rows: the newest typed client's own methods (client.create_key(models.CreateKeyRequest(...)))
and typed fields of the parsed models (body.key_metadata.key_id), never maps. One row per
operation group (test/sdk/README.md, "Typed rows")."""

import base64
import json

from harness import Fail, check, equal, unique

TYPED_ROWS = ["typed-service", "typed-instances", "typed-keys", "typed-crypto", "typed-secrets"]


def models():
    from alibabacloud_kms20160120 import models as m

    return m


def expect_code(fn, code, what):
    try:
        fn()
    except Exception as err:  # Tea raises its ClientException/ServerException with .code
        got = getattr(err, "code", None)
        if got != code:
            raise Fail("%s: expected %s, got %s: %s" % (what, code, got, err))
        return
    raise Fail("%s: expected %s, the call succeeded" % (what, code))


def typed_service(client):
    regions = client.describe_regions().body.regions.region
    check(any(r.region_id == "cn-hangzhou" for r in regions), "DescribeRegions: no cn-hangzhou")
    equal(client.describe_account_kms_status().body.account_status, "Enabled", "AccountStatus")
    return "describe_regions().body.regions.region[].region_id; describe_account_kms_status().body.account_status"


def typed_instances(client):
    m = models()
    default_id = client.get_default_kms_instance().body.default_kms_instance_id
    check(isinstance(default_id, str) and default_id.startswith("kst-"), "DefaultKmsInstanceId %r" % default_id)
    listed = client.list_kms_instances(
        m.ListKmsInstancesRequest(filters=json.dumps([{"Key": "KmsInstanceId", "Values": [default_id]}]))
    ).body
    equal([i.kms_instance_id for i in listed.kms_instances.kms_instance], [default_id], "filtered ListKmsInstances")
    inst = client.get_kms_instance(m.GetKmsInstanceRequest(kms_instance_id=default_id)).body.kms_instance
    equal(inst.instance_id, default_id, "kms_instance.instance_id")
    check(isinstance(inst.key_num, int) and isinstance(inst.deletion_protection, bool), "key_num/deletion_protection types")
    check(isinstance(inst.zone_ids, list), "zone_ids is %r, the model wants a list" % (inst.zone_ids,))
    check(inst.charge_type and inst.product_version, "charge_type/product_version empty")
    quota = client.get_kms_instance_quota_infos(m.GetKmsInstanceQuotaInfosRequest()).body
    equal(quota.kms_instance_id, default_id, "quota kms_instance_id")
    key_quota = [q for q in quota.kms_instance_quota_infos if q.resource_type == "key"]
    check(key_quota and isinstance(key_quota[0].resource_quota, int), "no integer key quota: %r" % quota.to_map())
    return "get_default_kms_instance, list_kms_instances(filters), get_kms_instance, get_kms_instance_quota_infos()"


def typed_keys(client):
    m = models()
    description = unique("typed key")
    meta = client.create_key(m.CreateKeyRequest(description=description)).body.key_metadata
    key_id = meta.key_id
    equal(meta.key_state, "Enabled", "key_metadata.key_state")
    described = client.describe_key(m.DescribeKeyRequest(key_id=key_id)).body.key_metadata
    equal(described.description, description, "describe_key description")
    alias = "alias/" + unique("typed")
    client.create_alias(m.CreateAliasRequest(alias_name=alias, key_id=key_id))
    aliases = client.list_aliases_by_key_id(m.ListAliasesByKeyIdRequest(key_id=key_id)).body.aliases.alias
    equal([a.alias_name for a in aliases], [alias], "list_aliases_by_key_id")
    version = client.create_key_version(m.CreateKeyVersionRequest(key_id=key_id)).body.key_version
    versions = client.list_key_versions(m.ListKeyVersionsRequest(key_id=key_id)).body
    check(versions.total_count == 2, "total_count %r after create_key_version" % versions.total_count)
    check(
        any(v.key_version_id == version.key_version_id for v in versions.key_versions.key_version),
        "the new version is not listed",
    )
    client.set_deletion_protection(
        m.SetDeletionProtectionRequest(key_id=key_id, enable_deletion_protection=True, deletion_protection_description="typed")
    )
    protected = client.describe_key(m.DescribeKeyRequest(key_id=key_id)).body.key_metadata
    equal(protected.deletion_protection, "Enabled", "deletion_protection after set_deletion_protection(key_id)")
    client.tag_resource(m.TagResourceRequest(key_id=key_id, tags=json.dumps([{"TagKey": "team", "TagValue": "a"}])))
    tags = client.list_resource_tags(m.ListResourceTagsRequest(key_id=key_id)).body.tags.tag
    equal([(t.tag_key, t.tag_value) for t in tags], [("team", "a")], "list_resource_tags")
    keys = client.list_keys(m.ListKeysRequest(page_size=100)).body
    check(any(k.key_id == key_id for k in keys.keys.key), "list_keys misses the key")
    return "create_key, describe_key, create_alias, list_aliases_by_key_id, create_key_version, list_key_versions, set_deletion_protection(key_id), tag_resource, list_resource_tags, list_keys"


def typed_crypto(client):
    m = models()
    key_id = client.create_key(m.CreateKeyRequest()).body.key_metadata.key_id
    context = {"purpose": "typed"}
    text = base64.b64encode("typed plaintext ü".encode()).decode()
    enc = client.encrypt(m.EncryptRequest(key_id=key_id, plaintext=text, encryption_context=context)).body
    equal(enc.key_id, key_id, "encrypt key_id")
    dec = client.decrypt(m.DecryptRequest(ciphertext_blob=enc.ciphertext_blob, encryption_context=context)).body
    equal(dec.plaintext, text, "decrypt plaintext")
    equal(dec.key_version_id, enc.key_version_id, "decrypt key_version_id")
    data_key = client.generate_data_key(m.GenerateDataKeyRequest(key_id=key_id)).body
    equal(len(base64.b64decode(data_key.plaintext)), 32, "generate_data_key plaintext bytes")
    re_enc = client.re_encrypt(m.ReEncryptRequest(ciphertext_blob=data_key.ciphertext_blob, destination_key_id=key_id)).body
    equal(re_enc.key_id, key_id, "re_encrypt key_id")
    blob = client.generate_data_key_without_plaintext(m.GenerateDataKeyWithoutPlaintextRequest(key_id=key_id)).body
    check(blob.ciphertext_blob, "generate_data_key_without_plaintext: no ciphertext_blob")
    expect_code(
        lambda: client.encrypt(m.EncryptRequest(key_id=key_id, plaintext=text, dry_run="true")),
        "DryRunOperationError",
        "encrypt(dry_run)",
    )
    password = client.get_random_password(m.GetRandomPasswordRequest(password_length="24")).body.random_password
    equal(len(password), 24, "random_password length")
    return "encrypt/decrypt with a context, generate_data_key, re_encrypt, generate_data_key_without_plaintext, encrypt(dry_run) -> DryRunOperationError, get_random_password"


def typed_secrets(client):
    m = models()
    name = unique("typed/secret")
    created = client.create_secret(m.CreateSecretRequest(secret_name=name, secret_data="v1-data", version_id="v1")).body
    equal(created.secret_name, name, "create_secret secret_name")
    value = client.get_secret_value(m.GetSecretValueRequest(secret_name=name)).body
    equal(value.secret_data, "v1-data", "secret_data")
    equal(value.version_stages.version_stage, ["ACSCurrent"], "version_stages.version_stage")
    client.put_secret_value(m.PutSecretValueRequest(secret_name=name, secret_data="v2-data", version_id="v2"))
    ids = client.list_secret_version_ids(m.ListSecretVersionIdsRequest(secret_name=name)).body.version_ids.version_id
    equal(sorted(v.version_id for v in ids), ["v1", "v2"], "list_secret_version_ids")
    batch = client.batch_get_secret_value(
        m.BatchGetSecretValueRequest(secrets_list=[m.BatchGetSecretValueRequestSecretsList(secret_name=name)])
    ).body
    equal(batch.secret_values[0].secret_data, "v2-data", "batch secret_data")
    check(batch.secret_values[0].request_id, "batch item request_id empty")
    described = client.describe_secret(m.DescribeSecretRequest(secret_name=name)).body
    check(isinstance(described.owing_service, str), "owing_service %r" % described.owing_service)
    listed = client.list_secrets(m.ListSecretsRequest(filters=json.dumps([{"Key": "SecretName", "Values": [name]}]))).body
    equal([s.secret_name for s in listed.secret_list.secret], [name], "list_secrets filtered")
    expect_code(
        lambda: client.get_secret_value(m.GetSecretValueRequest(secret_name=name, dry_run="true")),
        "DryRunOperationError",
        "get_secret_value(dry_run)",
    )
    expect_code(
        lambda: client.get_secret_value(m.GetSecretValueRequest(secret_name=name, recipient="{}")),
        "UnsupportedOperation",
        "get_secret_value(recipient)",
    )
    deleted = client.delete_secret(m.DeleteSecretRequest(secret_name=name, recovery_window_in_days="7")).body
    check(deleted.planned_delete_time, "planned_delete_time empty")
    client.restore_secret(m.RestoreSecretRequest(secret_name=name))
    return "create_secret, get_secret_value, put_secret_value, list_secret_version_ids, batch_get_secret_value (item request_id), describe_secret (owing_service), list_secrets, dry_run, recipient refused, delete/restore"


TYPED = {
    "typed-service": typed_service,
    "typed-instances": typed_instances,
    "typed-keys": typed_keys,
    "typed-crypto": typed_crypto,
    "typed-secrets": typed_secrets,
}
