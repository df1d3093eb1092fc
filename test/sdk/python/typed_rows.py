"""Typed rows: the newest typed client's own methods (client.create_key(models.CreateKeyRequest(...)))
and typed fields of the parsed models (body.key_metadata.key_id), never maps. One row per
operation group (test/sdk/README.md, "Typed rows")."""

import base64
import json

from harness import RDS_RESOURCE_ROUTE, Fail, check, control_required, equal, unique

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
    expect_code(client.open_kms_service, "Forbidden.Opened", "open_kms_service on an opened account")
    return "describe_regions, describe_account_kms_status, open_kms_service (Forbidden.Opened)"


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
    kst = unique("kst-pytyped").replace("_", "-").lower()
    control_required("POST", "instances", {"kmsInstanceId": kst, "vpcQuota": 2})
    client.connect_kms_instance(
        m.ConnectKmsInstanceRequest(
            kms_instance_id=kst, vpc_id="vpc-py", zone_ids="cn-hangzhou-k,cn-hangzhou-j", v_switch_ids="vsw-py", kmprovider="Aliyun"
        )
    )
    client.update_kms_instance_bind_vpc(
        m.UpdateKmsInstanceBindVpcRequest(
            kms_instance_id=kst,
            bind_vpcs=json.dumps([{"VpcId": "vpc-2", "RegionId": "cn-hangzhou", "VSwitchId": "vsw-2", "VpcOwnerId": "1"}]),
        )
    )
    connected = client.get_kms_instance(m.GetKmsInstanceRequest(kms_instance_id=kst)).body.kms_instance
    equal(connected.zone_ids, ["cn-hangzhou-k", "cn-hangzhou-j"], "zone_ids")
    equal([v.vpc_id for v in connected.bind_vpcs.bind_vpc], ["vpc-2"], "bind_vpcs.bind_vpc[].vpc_id")
    client.set_deletion_protection(m.SetDeletionProtectionRequest(kms_instance_id=kst, enable_deletion_protection=True))
    check(
        client.get_kms_instance(m.GetKmsInstanceRequest(kms_instance_id=kst)).body.kms_instance.deletion_protection is True,
        "deletion_protection after set_deletion_protection(kms_instance_id)",
    )
    expect_code(
        lambda: client.release_kms_instance(m.ReleaseKmsInstanceRequest(kms_instance_id=kst)),
        "Forbidden.DeletionProtection",
        "release of a protected instance",
    )
    client.set_deletion_protection(m.SetDeletionProtectionRequest(kms_instance_id=kst, enable_deletion_protection=False))
    client.release_kms_instance(m.ReleaseKmsInstanceRequest(kms_instance_id=kst))
    return "get_default_kms_instance, list_kms_instances(filters), get_kms_instance, get_kms_instance_quota_infos(), connect_kms_instance, update_kms_instance_bind_vpc, set_deletion_protection(kms_instance_id), release_kms_instance"


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
    more_keys(client, m)
    return "create_key, describe_key, create_alias, list_aliases_by_key_id, create_key_version, list_key_versions, set_deletion_protection(key_id), tag_resource, list_resource_tags, list_keys, " + MORE_KEYS


MORE_KEYS = (
    "update_key_description, disable_key, enable_key, update_alias, list_aliases, delete_alias, describe_key_version, "
    "update_rotation_policy, get/set_key_policy, schedule/cancel_key_deletion, untag_resource, tag_resources, "
    "list_tag_resources, untag_resources, get_parameters_for_import, import_key_material, delete_key_material"
)


def more_keys(client, m):
    key_id = client.create_key(m.CreateKeyRequest()).body.key_metadata.key_id
    client.update_key_description(m.UpdateKeyDescriptionRequest(key_id=key_id, description="renamed"))
    equal(client.describe_key(m.DescribeKeyRequest(key_id=key_id)).body.key_metadata.description, "renamed", "description")
    client.disable_key(m.DisableKeyRequest(key_id=key_id))
    equal(client.describe_key(m.DescribeKeyRequest(key_id=key_id)).body.key_metadata.key_state, "Disabled", "disable_key")
    client.enable_key(m.EnableKeyRequest(key_id=key_id))
    other = client.create_key(m.CreateKeyRequest()).body.key_metadata.key_id
    alias = "alias/" + unique("pytyped")
    client.create_alias(m.CreateAliasRequest(alias_name=alias, key_id=key_id))
    client.update_alias(m.UpdateAliasRequest(alias_name=alias, key_id=other))
    listed = client.list_aliases(m.ListAliasesRequest(page_size=100)).body
    check(any(a.alias_name == alias and a.key_id == other for a in listed.aliases.alias), "update_alias not listed")
    check(isinstance(listed.total_count, int), "list_aliases total_count")
    client.delete_alias(m.DeleteAliasRequest(alias_name=alias))
    meta = client.describe_key(m.DescribeKeyRequest(key_id=key_id)).body.key_metadata
    version = client.describe_key_version(
        m.DescribeKeyVersionRequest(key_id=key_id, key_version_id=meta.primary_key_version)
    ).body.key_version
    equal(version.key_version_id, meta.primary_key_version, "describe_key_version")
    client.update_rotation_policy(
        m.UpdateRotationPolicyRequest(key_id=key_id, enable_automatic_rotation=True, rotation_interval="604800s")
    )
    rotating = client.describe_key(m.DescribeKeyRequest(key_id=key_id)).body.key_metadata
    equal((rotating.automatic_rotation, rotating.rotation_interval), ("Enabled", "604800s"), "update_rotation_policy")
    policy = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["kms:*"], "Resource": ["*"], "Principal": {"RAM": ["acs:ram::1234567890123456:*"]}}]})
    client.set_key_policy(m.SetKeyPolicyRequest(key_id=key_id, policy=policy))
    equal(json.loads(client.get_key_policy(m.GetKeyPolicyRequest(key_id=key_id)).body.policy), json.loads(policy), "get_key_policy")
    client.schedule_key_deletion(m.ScheduleKeyDeletionRequest(key_id=other, pending_window_in_days=7))
    equal(client.describe_key(m.DescribeKeyRequest(key_id=other)).body.key_metadata.key_state, "PendingDeletion", "schedule")
    client.cancel_key_deletion(m.CancelKeyDeletionRequest(key_id=other))
    client.tag_resource(m.TagResourceRequest(key_id=key_id, tags=json.dumps([{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}])))
    client.untag_resource(m.UntagResourceRequest(key_id=key_id, tag_keys=json.dumps(["a"])))
    equal([t.tag_key for t in client.list_resource_tags(m.ListResourceTagsRequest(key_id=key_id)).body.tags.tag], ["b"], "untag_resource")
    client.tag_resources(
        m.TagResourcesRequest(region_id="cn-hangzhou", resource_type="key", resource_id=[other], tag=[m.TagResourcesRequestTag(key="c", value="3")])
    )
    rows = client.list_tag_resources(
        m.ListTagResourcesRequest(region_id="cn-hangzhou", resource_type="key", resource_id=[other])
    ).body.tag_resources.tag_resource
    equal([(r.resource_id, r.tag_key, r.tag_value) for r in rows], [(other, "c", "3")], "list_tag_resources")
    client.untag_resources(m.UntagResourcesRequest(region_id="cn-hangzhou", resource_type="key", resource_id=[other], tag_key=["c"]))
    external = client.create_key(m.CreateKeyRequest(origin="EXTERNAL")).body.key_metadata.key_id
    params = client.get_parameters_for_import(
        m.GetParametersForImportRequest(key_id=external, wrapping_algorithm="RSAES_OAEP_SHA_256", wrapping_key_spec="RSA_2048")
    ).body
    wrapped = rsa_wrap(params.public_key, bytes(range(32)))
    client.import_key_material(
        m.ImportKeyMaterialRequest(
            key_id=external, encrypted_key_material=wrapped, import_token=params.import_token, key_material_expire_unix=0
        )
    )
    equal(client.describe_key(m.DescribeKeyRequest(key_id=external)).body.key_metadata.key_state, "Enabled", "imported")
    client.delete_key_material(m.DeleteKeyMaterialRequest(key_id=external))
    equal(client.describe_key(m.DescribeKeyRequest(key_id=external)).body.key_metadata.key_state, "PendingImport", "deleted material")


def rsa_wrap(public_key_b64, material):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_der_public_key(base64.b64decode(public_key_b64))
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return base64.b64encode(key.encrypt(material, oaep)).decode()


def rsa_pair():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, base64.b64encode(der).decode()


def rsa_unwrap(private, blob_b64):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return private.decrypt(base64.b64decode(blob_b64), oaep)


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
    private, public = rsa_pair()
    wrapping = dict(public_key_blob=public, wrapping_algorithm="RSAES_OAEP_SHA_256", wrapping_key_spec="RSA_2048")
    exported = client.export_data_key(m.ExportDataKeyRequest(ciphertext_blob=data_key.ciphertext_blob, **wrapping)).body
    equal(rsa_unwrap(private, exported.exported_data_key), base64.b64decode(data_key.plaintext), "export_data_key")
    both = client.generate_and_export_data_key(m.GenerateAndExportDataKeyRequest(key_id=key_id, **wrapping)).body
    inner = client.decrypt(m.DecryptRequest(ciphertext_blob=both.ciphertext_blob)).body.plaintext
    equal(rsa_unwrap(private, both.exported_data_key), base64.b64decode(inner), "generate_and_export_data_key")
    return "encrypt/decrypt with a context, generate_data_key, re_encrypt, generate_data_key_without_plaintext, encrypt(dry_run) -> DryRunOperationError, get_random_password, export_data_key, generate_and_export_data_key (unwrapped with the caller's RSA key)"


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
    client.update_secret(m.UpdateSecretRequest(secret_name=name, description="typed"))
    equal(client.describe_secret(m.DescribeSecretRequest(secret_name=name)).body.description, "typed", "update_secret")
    client.put_secret_value(
        m.PutSecretValueRequest(secret_name=name, secret_data="v3-data", version_id="v3", version_stages=json.dumps(["custom"]))
    )
    client.update_secret_version_stage(
        m.UpdateSecretVersionStageRequest(secret_name=name, version_stage="custom", remove_from_version="v3", move_to_version="v2")
    )
    staged = client.get_secret_value(m.GetSecretValueRequest(secret_name=name, version_stage="custom")).body
    equal(staged.version_id, "v2", "update_secret_version_stage")
    policy = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["kms:*"], "Resource": ["*"], "Principal": {"RAM": ["acs:ram::1234567890123456:*"]}}]})
    client.set_secret_policy(m.SetSecretPolicyRequest(secret_name=name, policy=policy))
    equal(json.loads(client.get_secret_policy(m.GetSecretPolicyRequest(secret_name=name)).body.policy), json.loads(policy), "secret policy")
    suffix = unique("pyt").replace("_", "-").lower()
    db = "rm-" + suffix
    control_required(RDS_METHOD, RDS_RESOURCE_ROUTE, {"DBInstanceId": db, "Accounts": [{"AccountName": "app", "AccountPassword": "Init#1"}]})
    rds = "typed/rds-" + suffix
    client.create_secret(
        m.CreateSecretRequest(
            secret_name=rds,
            secret_type="Rds",
            version_id="v1",
            secret_data=json.dumps({"Accounts": [{"AccountName": "app", "AccountPassword": "Init#1"}]}),
            extended_config={"SecretSubType": "SingleUser", "DBInstanceId": db},
        )
    )
    client.update_secret_rotation_policy(
        m.UpdateSecretRotationPolicyRequest(secret_name=rds, enable_automatic_rotation=True, rotation_interval="7d")
    )
    rotated = client.rotate_secret(m.RotateSecretRequest(secret_name=rds, version_id="r1")).body
    equal(rotated.version_id, "r1", "rotate_secret version_id")
    control_required("POST", "clock", {"advance": "1m"})
    after = client.get_secret_value(m.GetSecretValueRequest(secret_name=rds, fetch_extended_config=True)).body
    equal(after.version_id, "r1", "after rotation")
    check(isinstance(after.extended_config, str) and json.loads(after.extended_config)["DBInstanceId"] == db, "extended_config")
    equal(after.automatic_rotation, "Enabled", "automatic_rotation")
    return "create_secret, get_secret_value, put_secret_value, list_secret_version_ids, batch_get_secret_value (item request_id), describe_secret (owing_service), list_secrets, dry_run, recipient refused, delete/restore, update_secret, update_secret_version_stage, get/set_secret_policy, update_secret_rotation_policy, rotate_secret"


RDS_METHOD = "POST"


TYPED = {
    "typed-service": typed_service,
    "typed-instances": typed_instances,
    "typed-keys": typed_keys,
    "typed-crypto": typed_crypto,
    "typed-secrets": typed_secrets,
}
