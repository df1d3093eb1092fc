# The same provider over HTTPS: the suite points `endpoint` at the emulator's TLS listener and sets
# SSL_CERT_FILE to its local CA (`kms-emulator ca`), so certificates are verified.

resource "alicloud_kms_key" "tls" {
  description            = "terraform suite: created over TLS"
  pending_window_in_days = 7
  tags = {
    transport = "https"
  }
}

resource "alicloud_kms_alias" "tls" {
  alias_name = "alias/terraform-suite-tls"
  key_id     = alicloud_kms_key.tls.id
}

resource "alicloud_kms_secret" "tls" {
  secret_name                   = "terraform-suite/tls"
  encryption_key_id             = alicloud_kms_key.tls.id
  secret_data                   = "sent over TLS"
  version_id                    = "v1"
  force_delete_without_recovery = true
}

resource "alicloud_kms_ciphertext" "tls" {
  key_id    = alicloud_kms_alias.tls.alias_name
  plaintext = "sealed over TLS"
}

data "alicloud_kms_plaintext" "tls" {
  ciphertext_blob = alicloud_kms_ciphertext.tls.ciphertext_blob
  lifecycle {
    postcondition {
      condition     = self.plaintext == "sealed over TLS"
      error_message = "alicloud_kms_plaintext over TLS did not give back the plaintext"
    }
  }
}

data "alicloud_kms_secrets" "tls" {
  ids            = [alicloud_kms_secret.tls.id]
  enable_details = true
  lifecycle {
    postcondition {
      condition     = length(self.secrets) == 1 && self.secrets[0].secret_data == "sent over TLS"
      error_message = "alicloud_kms_secrets over TLS did not read the secret"
    }
  }
}
