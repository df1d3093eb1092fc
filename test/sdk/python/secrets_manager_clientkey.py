"""aliyun-secret-manager-client in ClientKey (DKMS) mode against the emulator's KMS Instance API.

Usage: secrets_manager_clientkey.py <world.json>   (the world of test/helpers/instance-access.ts)

The cache client is built with a DKmsConfig (client key file, password, the gateway endpoint, the
instance CA as ca_file_path, certificate verification on); it reads a secret through the gateway, a
new version is put through the OpenAPI, and refresh_now reads it through the gateway again. Prints
one JSON line: [{"case", "ok", "detail"}].
"""

import json
import logging
import sys
import traceback

CASE = "Secrets Manager client (aliyun-secret-manager-client) in ClientKey mode reads and refreshes"
UNTRUSTED = "Secrets Manager client in ClientKey mode: certificate verification is on (the system roots do not trust the gateway)"
REFUSED = "Secrets Manager client in ClientKey mode: a client key whose policy names no secret is refused"

_logger = logging.getLogger("secrets-manager-clientkey")
_logger.setLevel(logging.CRITICAL)
_logger.addHandler(logging.StreamHandler())


def cache_client(world, client_key="app", ca_file=True):
    from alibaba_cloud_secretsmanager_client.model.dkms_config import DKmsConfig
    from alibaba_cloud_secretsmanager_client.secret_manager_cache_client_builder import (
        SecretManagerCacheClientBuilder,
    )
    from alibaba_cloud_secretsmanager_client.service.default_secret_manager_client_builder import (
        DefaultSecretManagerClientBuilder,
    )

    config = DKmsConfig(ignore_ssl_certs=False, ca_file_path=world["caFile"] if ca_file else None)
    config.region_id = "cn-hangzhou"
    config.protocol = "https"
    config.client_key_file = world["clientKeys"][client_key]
    config.password = world["password"]
    config.endpoint = world["gateway"]
    secret_client = DefaultSecretManagerClientBuilder.standard().add_dkms_config(config).build()
    return SecretManagerCacheClientBuilder.new_cache_client_builder(secret_client).with_logger(_logger).build()


def put_secret_value(world, name, data, version):
    """A new version through the OpenAPI (the V1 core client, typed request)."""
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkkms.request.v20160120.PutSecretValueRequest import PutSecretValueRequest

    client = AcsClient("LTAIEmulatorAccessKeyId", "EmulatorAccessKeySecret", "cn-hangzhou")
    request = PutSecretValueRequest()
    request.set_endpoint(world["controlUrl"].replace("http://", ""))
    request.set_protocol_type("http")
    request.set_SecretName(name)
    request.set_SecretData(data)
    request.set_VersionId(version)
    json.loads(client.do_action_with_exception(request))


def reads_and_refreshes(world):
    client = cache_client(world)
    try:
        info = client.get_secret_info(world["secretName"])
        if info.secret_value != world["secretValue"]:
            raise AssertionError(f"value {info.secret_value!r}")
        put_secret_value(world, world["secretName"], "s3cret-py-v2", "py-v2")
        # Still cached until refreshed.
        if client.get_secret_info(world["secretName"]).secret_value != world["secretValue"]:
            raise AssertionError("the cache changed before refresh_now")
        if not client.refresh_now(world["secretName"]):
            raise AssertionError("refresh_now answered False")
        refreshed = client.get_secret_info(world["secretName"])
        if (refreshed.secret_value, refreshed.version_id) != ("s3cret-py-v2", "py-v2"):
            raise AssertionError(f"after refresh_now: {refreshed.secret_value!r} {refreshed.version_id!r}")
        return refreshed.version_id
    finally:
        client.close()


def refused(world):
    # keys-app's policy covers key/* only: the gateway refuses its GetSecretValue.
    try:
        client = cache_client(world, "keys-app")
    except Exception as err:  # the cache client reads the secret while it is built
        text = f"{type(err).__name__}: {err}"
    else:
        try:
            client.get_secret_info(world["secretName"])
            raise AssertionError("keys-app read the secret")
        except AssertionError:
            raise
        except Exception as err:
            text = f"{type(err).__name__}: {err}"
        finally:
            client.close()
    if "Forbidden.NoPermission" not in text:
        raise AssertionError(f"not Forbidden.NoPermission: {text}")
    return text[:160]


def untrusted(world):
    try:
        client = cache_client(world, ca_file=False)
    except Exception as err:
        text = f"{type(err).__name__}: {err}"
    else:
        try:
            client.get_secret_info(world["secretName"])
            raise AssertionError("read the secret without the instance CA")
        except AssertionError:
            raise
        except Exception as err:
            text = f"{type(err).__name__}: {err}"
        finally:
            client.close()
    if "CERTIFICATE_VERIFY_FAILED" not in text and "certificate verify failed" not in text.lower():
        raise AssertionError(f"not a certificate failure: {text[:300]}")
    return text[:160]


def main():
    world = json.load(open(sys.argv[1]))
    results = []
    # Untrusted first: Tea keeps one TLS session per host for the process, and urllib3 loads a
    # ca_file_path into that session's shared SSL context, so after a trusted call the context trusts
    # the instance CA for good.
    for name, fn in ((UNTRUSTED, untrusted), (CASE, reads_and_refreshes), (REFUSED, refused)):
        try:
            results.append({"case": name, "ok": True, "detail": str(fn(world))})
        except Exception as err:
            results.append({"case": name, "ok": False, "detail": f"{err!r} {traceback.format_exc()[-600:]}"})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
