# Adopting what exists: a key, its alias and a secret made before Terraform (seeded by
# test/terraform/seed.yaml) are imported with Terraform 1.5 import blocks. The configuration says
# what they are, so after the import the plan must show no change: every attribute the provider
# reads back matches.

import {
  to = alicloud_kms_key.imported
  id = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
}

import {
  to = alicloud_kms_alias.imported
  id = "alias/imported-by-terraform"
}

import {
  to = alicloud_kms_secret.imported
  id = "imported/by-terraform"
}

resource "alicloud_kms_key" "imported" {
  description            = "made before Terraform"
  key_spec               = "Aliyun_AES_256"
  key_usage              = "ENCRYPT/DECRYPT"
  pending_window_in_days = 7
  tags = {
    origin = "seed"
  }
}

resource "alicloud_kms_alias" "imported" {
  alias_name = "alias/imported-by-terraform"
  key_id     = alicloud_kms_key.imported.id
}

resource "alicloud_kms_secret" "imported" {
  secret_name                   = "imported/by-terraform"
  description                   = "made before Terraform"
  encryption_key_id             = alicloud_kms_key.imported.id
  secret_data                   = "seeded value"
  version_id                    = "v1"
  force_delete_without_recovery = true
  tags = {
    origin = "seed"
  }
}
