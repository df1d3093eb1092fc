# A secret without encryption_key_id: KMS encrypts it under its own service key, and DescribeSecret
# must then answer no EncryptionKeyId, or the provider sees a change on every plan.

resource "alicloud_kms_secret" "default_key" {
  secret_name                   = "terraform-suite/default-key"
  secret_data                   = "encrypted under the service key"
  version_id                    = "v1"
  description                   = "no encryption_key_id"
  force_delete_without_recovery = true
}
