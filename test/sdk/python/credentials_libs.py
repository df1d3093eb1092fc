"""The credentials library of Python (alibabacloud-credentials, pinned in requirements.txt) against
the emulator, run by test/sdk/credentials-libs.sh, with the typed KMS client
(alibabacloud-kms20160120) on top:

  ram_role_arn   Config(type='ram_role_arn', root pair, role_arn, role_session_name,
                 sts_endpoint=$KMS_HTTPS_ENDPOINT): AssumeRole over https (the library hard-codes it;
                 the shell trusts the CA with SSL_CERT_FILE)
  uri            no Config at all: the default chain, ALIBABA_CLOUD_CREDENTIALS_URI in the environment

Then Encrypt on $CREDS_KEY_ID (AliyunKMSCryptoUserAccess allows it) must succeed and CreateKey must be
refused with Forbidden.NoPermission. Prints one line per check; exits 1 when one fails.
"""

import os
import sys

for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)

from alibabacloud_credentials.client import Client as CredentialClient  # noqa: E402
from alibabacloud_credentials.models import Config as CredentialConfig  # noqa: E402
from alibabacloud_kms20160120 import models  # noqa: E402
from alibabacloud_kms20160120.client import Client  # noqa: E402
from alibabacloud_tea_openapi.models import Config  # noqa: E402


def credential(mode):
    if mode == "ram_role_arn":
        return CredentialClient(
            CredentialConfig(
                type="ram_role_arn",
                access_key_id=os.environ["ROOT_ACCESS_KEY_ID"],
                access_key_secret=os.environ["ROOT_ACCESS_KEY_SECRET"],
                role_arn=os.environ["CREDS_ROLE_ARN"],
                role_session_name="python-ram-role-arn",
                sts_endpoint=os.environ["KMS_HTTPS_ENDPOINT"],
            )
        )
    if mode == "uri":
        return CredentialClient()
    raise SystemExit("usage: credentials_libs.py ram_role_arn|uri")


def main(mode):
    cred = credential(mode)
    got = cred.get_credential()
    if not got.access_key_id.startswith("STS.") or not got.security_token:
        raise SystemExit("FAIL %s: not an STS session: %s" % (mode, got.access_key_id))
    print("ok    %s: %s gave %s" % (mode, got.provider_name, got.access_key_id))
    client = Client(
        Config(credential=cred, endpoint=os.environ["KMS_ENDPOINT"], protocol="http", region_id="cn-hangzhou")
    )
    encrypted = client.encrypt(models.EncryptRequest(key_id=os.environ["CREDS_KEY_ID"], plaintext="aGVsbG8="))
    if encrypted.body.key_id != os.environ["CREDS_KEY_ID"] or not encrypted.body.ciphertext_blob:
        raise SystemExit("FAIL %s: Encrypt answered %s" % (mode, encrypted.body.to_map()))
    print("ok    %s: Encrypt allowed (AliyunKMSCryptoUserAccess)" % mode)
    try:
        client.create_key(models.CreateKeyRequest())
    except Exception as error:  # Tea's TeaException
        code = getattr(error, "code", None)
        if code != "Forbidden.NoPermission":
            raise SystemExit("FAIL %s: CreateKey refused with %s, not Forbidden.NoPermission: %s" % (mode, code, error))
        detail = (getattr(error, "data", None) or {}).get("AccessDeniedDetail") or {}
        print("ok    %s: CreateKey denied: %s (%s)" % (mode, code, detail.get("AuthAction", "no AccessDeniedDetail")))
        return
    raise SystemExit("FAIL %s: CreateKey was allowed" % mode)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
