# A managed secret: an RDS account's password that KMS rotates (secret_type Rds, the database seeded
# by test/terraform/seed.yaml); step 2 changes its rotation interval, step 3 turns rotation off.

resource "alicloud_kms_key" "rds" {
  description            = "terraform suite: managed secret key"
  pending_window_in_days = 7
}

resource "alicloud_kms_secret" "rds" {
  secret_name       = "terraform-suite/rds-app"
  secret_type       = "Rds"
  encryption_key_id = alicloud_kms_key.rds.id
  extended_config = jsonencode({
    SecretSubType = "SingleUser"
    DBInstanceId  = "rm-tfsuite-db"
    CustomData    = {}
  })
  secret_data = jsonencode({
    Accounts = [{ AccountName = "app", AccountPassword = "Initial#Passw0rd" }]
  })
  version_id                    = "v1"
  enable_automatic_rotation     = var.step < 3
  rotation_interval             = var.step < 3 ? (var.step == 1 ? "604800s" : "1209600s") : null
  force_delete_without_recovery = true
}

data "alicloud_kms_secrets" "rds" {
  ids            = [alicloud_kms_secret.rds.id]
  enable_details = true
  lifecycle {
    postcondition {
      condition     = length(self.secrets) == 1 && self.secrets[0].secret_type == "Rds"
      error_message = "alicloud_kms_secrets: the managed secret is missing or not of type Rds"
    }
  }
}
