"""Rows for aliyun-secret-manager-client (the Secrets Manager cache client; GetSecretValue only).

It signs with the V1 core, forces HTTPS (its GetSecretValueRequest does), and never checks
certificates (it builds its AcsClient with verify=False), so it is pointed at the TLS listener.
Fixtures it cannot create itself (secrets, rotations) are made through a helper OpenAPI client.
"""

import json
import logging
import warnings

from harness import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    KMS_HTTPS_ENDPOINT,
    REGION_ID,
    SEED_SECRET_DATA,
    SEED_SECRET_NAME,
    SEED_SECRET_VERSION,
    UNKNOWN_ACCESS_KEY_ID,
    WRONG_ACCESS_KEY_SECRET,
    ApiError,
    Fail,
    NotBuilt,
    Skip,
    check,
    classify,
    equal,
    unique,
)
from rows import create_rds_fixture, get_secret, post_seed, rotate_and_wait

NAME = "py aliyun-secret-manager-client"
ONLY_GET_SECRET_VALUE = "the client offers GetSecretValue only"

_logger = logging.getLogger("conformance.secrets-manager")
_logger.setLevel(logging.CRITICAL)  # its errors surface as row details; its tracebacks are noise
_logger.addHandler(logging.StreamHandler())


def build_cache_client(access_key_id=ACCESS_KEY_ID, access_key_secret=ACCESS_KEY_SECRET):
    from alibaba_cloud_secretsmanager_client.model.region_info import RegionInfo
    from alibaba_cloud_secretsmanager_client.secret_manager_cache_client_builder import (
        SecretManagerCacheClientBuilder,
    )
    from alibaba_cloud_secretsmanager_client.service.default_secret_manager_client_builder import (
        DefaultSecretManagerClientBuilder,
    )

    if not KMS_HTTPS_ENDPOINT:
        raise Skip("KMS_HTTPS_ENDPOINT is not set (this client only speaks HTTPS)")
    secret_client = (
        DefaultSecretManagerClientBuilder.standard()
        .with_access_key(access_key_id, access_key_secret)
        .add_region_info(RegionInfo(region_id=REGION_ID, endpoint=KMS_HTTPS_ENDPOINT))
        .build()
    )
    return SecretManagerCacheClientBuilder.new_cache_client_builder(secret_client).with_logger(_logger).build()


def sm_error(err, operation="GetSecretValue"):
    from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException

    if isinstance(err, ServerException):
        return ApiError(operation, err.get_error_code(), err.get_http_status(), err.get_error_msg(), err.get_request_id())
    if isinstance(err, ClientException):
        return ApiError(operation, err.get_error_code(), None, err.get_error_msg(), client_side=True)
    return None


def read(client, name):
    try:
        return client.get_secret_info(name)
    except Exception as err:
        api_error = sm_error(err)
        if api_error is None:
            raise
        raise api_error


class CacheClients:
    def __init__(self):
        self.clients = []

    def new(self, *credentials):
        client = build_cache_client(*credentials)
        self.clients.append(client)
        return client

    def close(self):
        for client in self.clients:
            try:
                client.close()
            except Exception:
                pass


def run(results, helper):
    warnings.filterwarnings("ignore")  # verify=False makes urllib3 warn on every request
    clients = CacheClients()
    try:
        for row in ("service", "instances", "keys", "crypto", "asymmetric-sign", "asymmetric-encrypt", "mac"):
            results.add(NAME, row, "skipped", ONLY_GET_SECRET_VALUE)
        results.run(NAME, "errors", lambda: row_errors(clients))
        results.run(NAME, "secrets", lambda: row_secrets(clients, helper))
        results.run(NAME, "managed-rotation", lambda: row_managed_rotation(clients, helper))
        results.run(NAME, "seeded-fixture", lambda: row_seeded_fixture(clients))
    finally:
        clients.close()


def expect_sm_error(fn, codes, http_status, what):
    try:
        info = fn()
    except ApiError as err:
        out = classify(err)
        if isinstance(out, NotBuilt):
            raise out
        if err.code not in codes:
            raise Fail("%s: expected %s, got %s" % (what, " or ".join(codes), err.describe()))
        if err.http_status is not None and int(err.http_status) != http_status:
            raise Fail("%s: expected HTTP %s, got %s" % (what, http_status, err.describe()))
        return err.code
    raise Fail("%s: expected an error, read %r" % (what, getattr(info, "secret_value", info)))


def row_errors(clients):
    good = clients.new()
    notes, fails, not_built = [], [], []
    checks = [
        ("unknown secret", lambda: read(good, unique("conformance/no-such-secret")), ["Forbidden.ResourceNotFound"], 404),
        (
            "wrong secret",
            lambda: read(clients.new(ACCESS_KEY_ID, WRONG_ACCESS_KEY_SECRET), "conformance/any"),
            # the V1 core underneath maps SignatureDoesNotMatch to InvalidAccessKeySecret when the
            # string-to-sign in the server's message equals its own
            ["InvalidAccessKeySecret"],
            400,
        ),
        (
            "unknown AK",
            lambda: read(clients.new(UNKNOWN_ACCESS_KEY_ID, "whatever-secret"), "conformance/any"),
            ["InvalidAccessKeyId.NotFound"],
            404,
        ),
    ]
    for label, fn, codes, status in checks:
        try:
            notes.append("%s: %s" % (label, expect_sm_error(fn, codes, status, label)))
        except NotBuilt as out:
            not_built.append("%s: %s" % (label, out.detail))
        except Fail as out:
            fails.append("%s: %s" % (label, out.detail))
    if fails:
        raise Fail("; ".join(fails + not_built))
    if not_built:
        raise NotBuilt("; ".join(not_built + notes))
    return "; ".join(notes) + " (over HTTPS)"


def row_secrets(clients, helper):
    name = unique("conformance/sm-generic")
    v1 = json.dumps({"user": "app", "password": "Sm#Passw0rd-1", "note": "read through the cache client"})
    helper.call("CreateSecret", SecretName=name, SecretData=v1, VersionId="v1", SecretDataType="text")
    client = clients.new()
    info = read(client, name)
    equal(info.secret_value, v1, "cache client secret_value")
    equal(info.secret_name, name, "cache client secret_name")
    equal(info.version_id, "v1", "cache client version_id")
    equal(info.secret_data_type, "text", "cache client secret_data_type")
    equal(info.secret_type, "Generic", "cache client secret_type")
    equal(client.get_secret_value(name), v1, "get_secret_value()")
    return "read a generic secret (v1) over HTTPS through the cache client"


def row_managed_rotation(clients, helper):
    name, _, password = create_rds_fixture(helper, unique("sm").replace("-", ""))
    client = clients.new()
    first = read(client, name)
    equal(json.loads(first.secret_value).get("AccountPassword"), password, "first read AccountPassword")
    equal(first.secret_type, "Rds", "cache client secret_type")
    check(isinstance(first.extended_config, str), "ExtendedConfig must be a JSON string")
    rotated = rotate_and_wait(helper, name, first.version_id)
    cached = read(client, name)
    equal(cached.version_id, first.version_id, "cached version before refresh (TTL 1 h)")
    check(client.refresh_now(name), "refresh_now(%s) reported failure" % name)
    fresh = read(client, name)
    equal(fresh.version_id, rotated.get("VersionId"), "version after refresh_now")
    new_password = json.loads(fresh.secret_value).get("AccountPassword")
    check(new_password not in (None, "", password), "the password read after the refresh did not change")
    equal(new_password, json.loads(get_secret(helper, name)["SecretData"]).get("AccountPassword"), "refreshed password")
    return "cache served %s until refresh_now, then %s" % (first.version_id, fresh.version_id)


def row_seeded_fixture(clients):
    post_seed()
    info = read(clients.new(), SEED_SECRET_NAME)
    equal(info.secret_value, SEED_SECRET_DATA, "seeded secret value")
    equal(info.version_id, SEED_SECRET_VERSION, "seeded secret version")
    return "read seeded secret %s" % SEED_SECRET_NAME
