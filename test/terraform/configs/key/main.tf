# Keys: a symmetric key whose description, tags and deletion protection change in step 2, which
# step 2 disables and step 3 enables again, its automatic rotation off in step 2 and back on with
# another interval in step 3; asymmetric, SM4, HSM and EXTERNAL (material to import) keys; a key of
# the KMS instance with a key policy; a key version; the data sources alicloud_kms_keys and
# alicloud_kms_key_versions.

locals {
  updated  = var.step >= 2
  disabled = var.step == 2
}

resource "alicloud_kms_key" "symmetric" {
  description                     = local.updated ? "terraform suite: symmetric key, updated" : "terraform suite: symmetric key"
  key_spec                        = "Aliyun_AES_256"
  key_usage                       = "ENCRYPT/DECRYPT"
  protection_level                = "SOFTWARE"
  automatic_rotation              = local.disabled ? "Disabled" : "Enabled"
  rotation_interval               = local.disabled ? null : (local.updated ? "2592000s" : "604800s")
  deletion_protection             = local.updated ? "Disabled" : "Enabled"
  deletion_protection_description = local.updated ? null : "kept by the terraform suite"
  status                          = local.disabled ? "Disabled" : "Enabled"
  pending_window_in_days          = 7
  tags = local.updated ? {
    env   = "ci"
    owner = "terraform"
    } : {
    env   = "test"
    suite = "terraform"
  }
}

resource "alicloud_kms_key" "rsa_sign" {
  description            = "terraform suite: RSA signing key"
  key_spec               = "RSA_2048"
  key_usage              = "SIGN/VERIFY"
  pending_window_in_days = 7
}

resource "alicloud_kms_key" "ec_sign" {
  description            = "terraform suite: EC P-256 signing key"
  key_spec               = "EC_P256"
  key_usage              = "SIGN/VERIFY"
  pending_window_in_days = 7
}

resource "alicloud_kms_key" "sm4" {
  key_spec               = "Aliyun_SM4"
  pending_window_in_days = 30
}

resource "alicloud_kms_key" "hsm" {
  description            = "terraform suite: HSM key"
  protection_level       = "HSM"
  pending_window_in_days = 7
}

# Created without material (PendingImport): the provider has no resource to import it, but must
# still create, read and delete the key.
resource "alicloud_kms_key" "external" {
  description            = "terraform suite: material to import"
  origin                 = "EXTERNAL"
  pending_window_in_days = 7
  lifecycle {
    postcondition {
      condition     = self.status == "PendingImport"
      error_message = "a key of origin EXTERNAL waits for its material (PendingImport)"
    }
  }
}

# A key of the KMS instance (KMS 3.0): the provider then also reads its key policy (GetKeyPolicy).
resource "alicloud_kms_key" "instance" {
  description            = "terraform suite: instance key"
  dkms_instance_id       = var.kms_instance_id
  key_spec               = "Aliyun_AES_256"
  key_usage              = "ENCRYPT/DECRYPT"
  pending_window_in_days = 7
  policy = jsonencode({
    Version = "1"
    Statement = [{
      Sid       = "kms default key policy"
      Effect    = "Allow"
      Principal = { RAM = ["acs:ram::1234567890123456:*"] }
      Action    = ["kms:*"]
      Resource  = ["*"]
    }, {
      Sid       = "terraform suite"
      Effect    = "Allow"
      Principal = { RAM = ["acs:ram::1234567890123456:user/app"] }
      Action    = local.updated ? ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Encrypt", "kms:Decrypt"]
      Resource  = ["*"]
    }]
  })
}

# Only symmetric keys take new versions (CreateKeyVersion refuses an asymmetric one).
resource "alicloud_kms_key" "versioned" {
  description            = "terraform suite: key with two versions"
  pending_window_in_days = 7
}

resource "alicloud_kms_key_version" "second" {
  key_id = alicloud_kms_key.versioned.id
}

data "alicloud_kms_keys" "symmetric" {
  ids            = [alicloud_kms_key.symmetric.id]
  enable_details = true
  lifecycle {
    postcondition {
      condition     = length(self.keys) == 1 && self.keys[0].status == (local.disabled ? "Disabled" : "Enabled")
      error_message = "alicloud_kms_keys did not find the key in the state this step set"
    }
    postcondition {
      condition     = self.keys[0].description == alicloud_kms_key.symmetric.description && self.keys[0].key_spec == "Aliyun_AES_256"
      error_message = "alicloud_kms_keys: the key's details differ from the resource"
    }
  }
}

data "alicloud_kms_keys" "by_description" {
  description_regex = "^terraform suite: .*signing key$"
  depends_on        = [alicloud_kms_key.rsa_sign, alicloud_kms_key.ec_sign]
  lifecycle {
    postcondition {
      condition     = length(self.ids) == 2
      error_message = "alicloud_kms_keys with description_regex should find the two signing keys"
    }
  }
}

data "alicloud_kms_key_versions" "versioned" {
  key_id     = alicloud_kms_key.versioned.id
  depends_on = [alicloud_kms_key_version.second]
  lifecycle {
    postcondition {
      condition     = length(self.versions) == 2 && contains(self.ids, alicloud_kms_key_version.second.key_version_id)
      error_message = "alicloud_kms_key_versions should list the initial version and the one Terraform created"
    }
  }
}

output "symmetric_key_arn" {
  value = alicloud_kms_key.symmetric.arn
}
