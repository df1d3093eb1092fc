# Secrets: a generic secret encrypted under a key of its own, whose value (a new version), stages,
# description and tags change in step 2; a secret of the KMS instance with a secret policy; the data
# sources alicloud_kms_secrets and alicloud_kms_secret_versions.

locals {
  updated = var.step >= 2
}

resource "alicloud_kms_key" "secrets" {
  description            = "terraform suite: secrets key"
  pending_window_in_days = 7
}

resource "alicloud_kms_secret" "db" {
  secret_name                   = "terraform-suite/db-password"
  description                   = local.updated ? "database password, rotated" : "database password"
  encryption_key_id             = alicloud_kms_key.secrets.id
  secret_data                   = local.updated ? "s3cret-v2" : "s3cret-v1"
  version_id                    = local.updated ? "v2" : "v1"
  version_stages                = local.updated ? ["ACSCurrent", "terraform-suite"] : null
  force_delete_without_recovery = true
  tags = local.updated ? {
    app  = "billing"
    tier = "db"
    } : {
    app = "billing"
  }
}

resource "alicloud_kms_secret" "binary" {
  secret_name                   = "terraform-suite/binary"
  encryption_key_id             = alicloud_kms_key.secrets.id
  secret_data                   = base64encode("binary secret bytes")
  secret_data_type              = "binary"
  version_id                    = "00001"
  recovery_window_in_days       = 7
}

resource "alicloud_kms_key" "instance" {
  description            = "terraform suite: instance key for secrets"
  dkms_instance_id       = var.kms_instance_id
  pending_window_in_days = 7
}

# A secret of the KMS instance: the provider reads its secret policy back (GetSecretPolicy).
resource "alicloud_kms_secret" "instance" {
  secret_name                   = "terraform-suite/instance-secret"
  dkms_instance_id              = var.kms_instance_id
  encryption_key_id             = alicloud_kms_key.instance.id
  secret_data                   = "{\"user\":\"app\",\"password\":\"instance-s3cret\"}"
  version_id                    = "v1"
  force_delete_without_recovery = true
  policy = jsonencode({
    Version = "1"
    Statement = [{
      Sid       = "kms default secret policy"
      Effect    = "Allow"
      Principal = { RAM = ["acs:ram::1234567890123456:*"] }
      Action    = ["kms:*"]
      Resource  = ["*"]
    }, {
      Sid       = "terraform suite"
      Effect    = "Allow"
      Principal = { RAM = ["acs:ram::1234567890123456:user/app"] }
      Action    = local.updated ? ["kms:GetSecretValue", "kms:DescribeSecret"] : ["kms:GetSecretValue"]
      Resource  = ["*"]
    }]
  })
}

data "alicloud_kms_secrets" "db" {
  ids            = [alicloud_kms_secret.db.id]
  enable_details = true
  fetch_tags     = true
  lifecycle {
    postcondition {
      condition     = length(self.secrets) == 1 && self.secrets[0].encryption_key_id == alicloud_kms_key.secrets.id
      error_message = "alicloud_kms_secrets: the secret or its encryption key differs"
    }
    postcondition {
      condition     = self.secrets[0].version_id == alicloud_kms_secret.db.version_id && self.secrets[0].secret_data == alicloud_kms_secret.db.secret_data
      error_message = "alicloud_kms_secrets: the current version is not the one this step put"
    }
    postcondition {
      condition     = self.secrets[0].tags == alicloud_kms_secret.db.tags
      error_message = "alicloud_kms_secrets: the tags differ from the resource's"
    }
  }
}

data "alicloud_kms_secrets" "by_name" {
  name_regex = "^terraform-suite/"
  depends_on = [alicloud_kms_secret.db, alicloud_kms_secret.binary, alicloud_kms_secret.instance]
  lifecycle {
    postcondition {
      condition     = length(self.names) == 3
      error_message = "alicloud_kms_secrets with name_regex should find the three secrets"
    }
  }
}

data "alicloud_kms_secret_versions" "db" {
  secret_name        = alicloud_kms_secret.db.id
  include_deprecated = "true"
  enable_details     = true
  depends_on         = [alicloud_kms_secret.db]
  lifecycle {
    postcondition {
      condition     = length(self.versions) == (local.updated ? 2 : 1)
      error_message = "alicloud_kms_secret_versions: expected one version per step"
    }
  }
}

data "alicloud_kms_secret_versions" "db_previous" {
  count         = local.updated ? 1 : 0
  secret_name   = alicloud_kms_secret.db.id
  version_stage = "ACSPrevious"
  enable_details = true
  depends_on    = [alicloud_kms_secret.db]
  lifecycle {
    postcondition {
      condition     = length(self.versions) == 1 && self.versions[0].version_id == "v1" && self.versions[0].secret_data == "s3cret-v1"
      error_message = "alicloud_kms_secret_versions: ACSPrevious should be v1 after step 2"
    }
  }
}
