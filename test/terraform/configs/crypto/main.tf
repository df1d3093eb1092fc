# Envelope data: the alicloud_kms_ciphertext resource and data source encrypt under a key (with and
# without an encryption context) and the alicloud_kms_plaintext data source decrypts what they made.
# Nothing random is an output: the checks are postconditions, so a second plan stays empty.

resource "alicloud_kms_key" "data" {
  description            = "terraform suite: envelope key"
  pending_window_in_days = 7
}

resource "alicloud_kms_alias" "data" {
  alias_name = "alias/terraform-suite-crypto"
  key_id     = alicloud_kms_key.data.id
}

resource "alicloud_kms_ciphertext" "db_password" {
  key_id    = alicloud_kms_key.data.id
  plaintext = "correct horse battery staple"
  encryption_context = {
    app = "billing"
  }
}

resource "alicloud_kms_ciphertext" "by_alias" {
  key_id    = alicloud_kms_alias.data.alias_name
  plaintext = "encrypted through the alias"
}

data "alicloud_kms_ciphertext" "config" {
  key_id    = alicloud_kms_key.data.id
  plaintext = "data source plaintext"
  encryption_context = {
    purpose = "config"
  }
}

data "alicloud_kms_plaintext" "db_password" {
  ciphertext_blob = alicloud_kms_ciphertext.db_password.ciphertext_blob
  encryption_context = {
    app = "billing"
  }
  lifecycle {
    postcondition {
      condition     = self.plaintext == "correct horse battery staple" && self.key_id == alicloud_kms_key.data.id
      error_message = "alicloud_kms_plaintext did not give back what alicloud_kms_ciphertext encrypted"
    }
  }
}

data "alicloud_kms_plaintext" "by_alias" {
  ciphertext_blob = alicloud_kms_ciphertext.by_alias.ciphertext_blob
  lifecycle {
    postcondition {
      condition     = self.plaintext == "encrypted through the alias" && self.key_id == alicloud_kms_key.data.id
      error_message = "alicloud_kms_plaintext: a ciphertext made through the alias decrypts to the key's id and the plaintext"
    }
  }
}

data "alicloud_kms_plaintext" "config" {
  ciphertext_blob = data.alicloud_kms_ciphertext.config.ciphertext_blob
  encryption_context = {
    purpose = "config"
  }
  lifecycle {
    postcondition {
      condition     = self.plaintext == "data source plaintext"
      error_message = "alicloud_kms_plaintext did not give back what the alicloud_kms_ciphertext data source encrypted"
    }
  }
}
