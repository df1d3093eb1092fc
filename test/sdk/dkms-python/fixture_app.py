"""The application of fixtures/seeds/instance-access.yaml: reads its database secret and encrypts
with its committed client key file, through the KMS Instance SDK (certificate verification on).

Usage: fixture_app.py <gateway host:port> <CA file> <client key file>; prints one JSON object.
"""
import json
import sys

from openapi.models import Config
from sdk.client import Client
from sdk.models import DecryptRequest, EncryptRequest, GetSecretValueRequest

gateway, ca_file, key_file = sys.argv[1:4]
config = Config(protocol="https", client_key_file=key_file, password="Fixture-Passw0rd", endpoint=gateway)
config.ca_file_path = ca_file
client = Client(config)
secret = json.loads(client.get_secret_value(GetSecretValueRequest(secret_name="orders/db")).secret_data)
enc = client.encrypt(EncryptRequest(key_id="key-hzz65f3orders-data", plaintext=b"order 42"))
dec = client.decrypt(
    DecryptRequest(key_id="key-hzz65f3orders-data", ciphertext_blob=enc.ciphertext_blob, iv=enc.iv)
)
print(json.dumps({"user": secret["user"], "roundTrip": dec.plaintext.decode()}))
