"""A forced-https official client verifying the emulator's certificate with the CA file (#12 §6).

aliyun-python-sdk-kms request classes force https; aliyun-python-sdk-core verifies certificates
against ALIBABA_CLOUD_CA_BUNDLE (or its `verify=` argument). Starts the built emulator with a TLS
listener, then:
  1. DescribeRegions over https with ALIBABA_CLOUD_CA_BUNDLE = the emulator's CA file: must succeed;
  2. the same with the CA passed as AcsClient(verify=...) and the regional host name: must succeed;
  3. the same with the default trust store: must fail certificate verification (so 1 proves
     verification was on).
Run with the suite's venv: test/sdk/python/.venv/bin/python test/sdk/python/tls_verify.py
"""

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
AK, SK = "LTAIEmulatorAccessKeyId", "EmulatorAccessKeySecret"
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)  # this client ignores NO_PROXY, even for 127.0.0.1


def start_emulator(ca_dir):
    proc = subprocess.Popen(
        ["node", os.path.join(ROOT, "dist", "cli.js"), "start", "--port", "0", "--https-port", "0",
         "--state", os.path.join(ca_dir, "state.json")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") == "kms-emulator listening":
            return proc, entry
    proc.kill()
    raise SystemExit("tls_verify: the emulator did not start")


def describe_regions(endpoint, verify=None):
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkkms.request.v20160120.DescribeRegionsRequest import DescribeRegionsRequest

    client = AcsClient(AK, SK, "cn-hangzhou", verify=verify)
    request = DescribeRegionsRequest()
    request.set_endpoint(endpoint)
    assert request.get_protocol_type() == "https", "the KMS request class should force https"
    return json.loads(client.do_action_with_exception(request))


def main():
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, entry = start_emulator(tmp)
        try:
            ca = entry.get("caCertificate")
            https_port = entry["httpsUrl"].rsplit(":", 1)[1]
            if not ca or not os.path.isfile(ca):
                failures.append("the start-up line names no CA file (caCertificate): %r" % ca)
            else:
                os.environ["ALIBABA_CLOUD_CA_BUNDLE"] = ca
                try:
                    regions = describe_regions("127.0.0.1:%s" % https_port)
                    print("1. ALIBABA_CLOUD_CA_BUNDLE: verified, %d regions" % len(regions["Regions"]["Region"]))
                except Exception as error:  # noqa: BLE001
                    failures.append("with ALIBABA_CLOUD_CA_BUNDLE: %s" % error)
                del os.environ["ALIBABA_CLOUD_CA_BUNDLE"]
                try:
                    # The regional name, resolved to the emulator: verified against the certificate's SANs.
                    regions = describe_regions("localhost:%s" % https_port, verify=ca)
                    print("2. verify=<CA file>, host localhost: verified, %d regions" % len(regions["Regions"]["Region"]))
                except Exception as error:  # noqa: BLE001
                    failures.append("with verify=<CA file>: %s" % error)
            try:
                describe_regions("127.0.0.1:%s" % https_port)
                failures.append("the default trust store accepted the emulator's certificate: verification was off")
            except Exception as error:  # noqa: BLE001
                if "CERTIFICATE_VERIFY_FAILED" not in str(error) and "certificate verify failed" not in str(error):
                    failures.append("without the CA: expected a certificate failure, got %s" % error)
                else:
                    print("3. default trust store: refused (certificate verify failed), as it should")
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    if failures:
        print("tls_verify: FAILED\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("tls_verify: ok")


if __name__ == "__main__":
    main()
