"""The README's Python TLS recipes, one client each, certificate verification on.

Run by test/sdk/tls-recipes.sh, which starts the emulator and sets the environment exactly as the
README's recipe does (for example SSL_CERT_FILE=$(kms-emulator ca --state S)). Each mode makes one
call over https and prints "<mode>: verified"; a certificate error exits 1.

  tea ENDPOINT [CA_PATH]        alibabacloud-kms20160120 (Tea): Config(protocol='https', ca=CA_PATH),
                                or no `ca` (then SSL_CERT_FILE, or REQUESTS_CA_BUNDLE, is what is tried)
  secrets-manager-v2 ENDPOINT CA_PATH
                                alibabacloud-secretsmanager-client-v2: builder.add_config(Config(..., ca=CA_PATH))
                                reads a secret; with CA_PATH=pem the recipe's old form, ca=<PEM text>
  core ENDPOINT [CA_PATH]       aliyun-python-sdk-core + aliyun-python-sdk-kms (forced https):
                                AcsClient(..., verify=CA_PATH), or ALIBABA_CLOUD_CA_BUNDLE from the environment
"""

import json
import os
import sys

AK, SK, REGION = "LTAIEmulatorAccessKeyId", "EmulatorAccessKeySecret", "cn-hangzhou"
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)


def tea_config(endpoint, ca=None):
    from alibabacloud_tea_openapi.models import Config

    config = Config(access_key_id=AK, access_key_secret=SK, region_id=REGION, endpoint=endpoint, protocol="https")
    if ca is not None:
        config.ca = ca
    return config


def tea(endpoint, ca=None):
    from alibabacloud_kms20160120.client import Client

    regions = Client(tea_config(endpoint, ca)).describe_regions().body.regions.region
    return "%d regions" % len(regions)


def secrets_manager_v2(endpoint, ca):
    from alibabacloud_kms20160120 import models
    from alibabacloud_kms20160120.client import Client
    from alibabacloud_secretsmanager_client_v2.service.default_secret_manager_client_builder import (
        DefaultSecretManagerClientBuilder,
    )

    ca_value = open(ca).read() if os.environ.get("RECIPE_CA_AS_PEM") else ca
    name = "tls-recipe/%d" % os.getpid()
    # The secret to read, made over the same verified connection.
    Client(tea_config(endpoint, ca)).create_secret(
        models.CreateSecretRequest(secret_name=name, secret_data="s3cret", version_id="v1")
    )
    client = DefaultSecretManagerClientBuilder.standard().add_config(tea_config(endpoint, ca_value)).build()
    client.init()
    try:
        value = client.get_secret_value(models.GetSecretValueRequest(secret_name=name)).body.secret_data
    finally:
        client.close()
    if value != "s3cret":
        raise SystemExit("secrets-manager-v2: read %r" % value)
    return "read %s" % name


def core(endpoint, ca=None):
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkkms.request.v20160120.DescribeRegionsRequest import DescribeRegionsRequest

    request = DescribeRegionsRequest()
    request.set_endpoint(endpoint)
    assert request.get_protocol_type() == "https", "the KMS request class forces https"
    client = AcsClient(AK, SK, REGION, verify=ca) if ca else AcsClient(AK, SK, REGION)
    regions = json.loads(client.do_action_with_exception(request))["Regions"]["Region"]
    return "%d regions" % len(regions)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    run = {"tea": tea, "secrets-manager-v2": secrets_manager_v2, "core": core}[mode]
    try:
        detail = run(*args)
    except Exception as error:  # noqa: BLE001 - the certificate error is the point
        print("%s: %s: %s" % (mode, type(error).__name__, error), file=sys.stderr)
        raise SystemExit(1)
    print("%s: verified, %s" % (mode, detail))


if __name__ == "__main__":
    main()
