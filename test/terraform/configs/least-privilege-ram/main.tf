# Least privilege with RAM, to copy: the orders application gets a RAM user and an AccessKey whose
# one policy allows kms:GetSecretValue on its secret and kms:Decrypt on the key that secret is
# encrypted under — nothing else. The suite then runs app-test.mjs as that application with the
# official Node client (@alicloud/kms20160120): it reads its secret and decrypts with its key, and is
# refused (Forbidden.NoPermission, with AccessDeniedDetail) another team's secret, another key, and
# what its policy does not name (Encrypt).

data "alicloud_caller_identity" "current" {}

locals {
  account_id = data.alicloud_caller_identity.current.account_id
}

resource "alicloud_kms_key" "orders" {
  description            = "orders: data key"
  pending_window_in_days = 7
}

resource "alicloud_kms_secret" "orders_db" {
  secret_name                   = "orders/db"
  encryption_key_id             = alicloud_kms_key.orders.id
  secret_data                   = jsonencode({ user = "orders", password = "0rders-s3cret" })
  version_id                    = "v1"
  force_delete_without_recovery = true
}

# Something of the orders team's own, encrypted by Terraform (the root pair) for the application.
resource "alicloud_kms_ciphertext" "orders_token" {
  key_id    = alicloud_kms_key.orders.id
  plaintext = "orders-api-token"
}

# Another team's key and secret: the orders application must not reach them.
resource "alicloud_kms_key" "payroll" {
  description            = "payroll: data key"
  pending_window_in_days = 7
}

resource "alicloud_kms_secret" "payroll_db" {
  secret_name                   = "payroll/db"
  encryption_key_id             = alicloud_kms_key.payroll.id
  secret_data                   = "payroll-s3cret"
  version_id                    = "v1"
  force_delete_without_recovery = true
}

resource "alicloud_kms_ciphertext" "payroll_token" {
  key_id    = alicloud_kms_key.payroll.id
  plaintext = "payroll-api-token"
}

# The application's identity.
resource "alicloud_ram_user" "orders" {
  name         = "orders-app"
  display_name = "orders application"
  comments     = "reads orders/db; managed by Terraform"
}

resource "alicloud_ram_access_key" "orders" {
  user_name = alicloud_ram_user.orders.name
}

# Its one policy: read its secret (GetSecretValue on the secret, Decrypt on the key it is encrypted
# under — KMS checks both) and decrypt with its key. Resources are the ARNs KMS answers.
resource "alicloud_ram_policy" "orders" {
  policy_name = "orders-app-secrets"
  description = "orders/db and the orders key, nothing else"
  policy_document = jsonencode({
    Version = "1"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["kms:GetSecretValue"]
        Resource = [alicloud_kms_secret.orders_db.arn]
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [alicloud_kms_key.orders.arn]
      },
    ]
  })
}

resource "alicloud_ram_user_policy_attachment" "orders" {
  policy_name = alicloud_ram_policy.orders.policy_name
  policy_type = alicloud_ram_policy.orders.type
  user_name   = alicloud_ram_user.orders.name
}

output "account_id" {
  value = local.account_id
}

output "orders_access_key_id" {
  value = alicloud_ram_access_key.orders.id
}

output "orders_access_key_secret" {
  value     = alicloud_ram_access_key.orders.secret
  sensitive = true
}

output "orders_key_id" {
  value = alicloud_kms_key.orders.id
}

output "orders_secret_name" {
  value = alicloud_kms_secret.orders_db.secret_name
}

output "orders_ciphertext" {
  value = alicloud_kms_ciphertext.orders_token.ciphertext_blob
}

output "payroll_key_id" {
  value = alicloud_kms_key.payroll.id
}

output "payroll_secret_name" {
  value = alicloud_kms_secret.payroll_db.secret_name
}

output "payroll_ciphertext" {
  value = alicloud_kms_ciphertext.payroll_token.ciphertext_blob
}
