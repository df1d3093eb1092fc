# Nothing in the provider block: every setting comes from the environment that
# `eval "$(kms-emulator env)"` gives a shell (credentials, region, account type, the KMS endpoint —
# the emulator's TLS listener, since the provider speaks HTTPS by default — and SSL_CERT_FILE).

terraform {
  required_providers {
    alicloud = {
      source  = "aliyun/alicloud"
      version = "1.240.0"
    }
  }
}

provider "alicloud" {}

resource "alicloud_kms_key" "env" {
  description            = "terraform suite: configured by kms-emulator env"
  pending_window_in_days = 7
}

resource "alicloud_kms_secret" "env" {
  secret_name                   = "terraform-suite/env"
  encryption_key_id             = alicloud_kms_key.env.id
  secret_data                   = "configured by kms-emulator env"
  version_id                    = "v1"
  force_delete_without_recovery = true
}

data "alicloud_kms_secrets" "env" {
  ids            = [alicloud_kms_secret.env.id]
  enable_details = true
  lifecycle {
    postcondition {
      condition     = length(self.secrets) == 1 && self.secrets[0].secret_data == "configured by kms-emulator env"
      error_message = "alicloud_kms_secrets did not read the secret back"
    }
  }
}
