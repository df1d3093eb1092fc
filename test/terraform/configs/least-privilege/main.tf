# Least privilege with KMS 3.0 application access, to copy: the orders application gets a client
# key whose access point's one policy allows its own key and its own secret, from 127.0.0.1 only.
# The suite then runs app-test.mjs as that application through the KMS Instance API (the emulator's
# --gateway-port): it encrypts and decrypts with its key, reads its secret, and is refused another
# team's key and secret (Forbidden.NoPermission).
# (The RAM variant — a RAM user, its AccessKey and a policy on one key and one secret — is the
# least-privilege-ram configuration.)

variable "client_key_password" {
  type      = string
  default   = "Orders-App-Passw0rd"
  sensitive = true
}

resource "alicloud_kms_key" "orders" {
  description            = "orders: data key"
  dkms_instance_id       = var.kms_instance_id
  pending_window_in_days = 7
}

resource "alicloud_kms_secret" "orders_db" {
  secret_name                   = "orders/db"
  dkms_instance_id              = var.kms_instance_id
  encryption_key_id             = alicloud_kms_key.orders.id
  secret_data                   = jsonencode({ user = "orders", password = "0rders-s3cret" })
  version_id                    = "v1"
  force_delete_without_recovery = true
}

# Another team's key and secret, in the same instance: the orders application must not reach them.
resource "alicloud_kms_key" "payroll" {
  description            = "payroll: data key"
  dkms_instance_id       = var.kms_instance_id
  pending_window_in_days = 7
}

resource "alicloud_kms_secret" "payroll_db" {
  secret_name                   = "payroll/db"
  dkms_instance_id              = var.kms_instance_id
  encryption_key_id             = alicloud_kms_key.payroll.id
  secret_data                   = "payroll-s3cret"
  version_id                    = "v1"
  force_delete_without_recovery = true
}

resource "alicloud_kms_network_rule" "orders_host" {
  network_rule_name = "orders-host"
  description       = "where the orders application runs"
  source_private_ip = ["127.0.0.1"]
}

resource "alicloud_kms_policy" "orders" {
  policy_name     = "orders-app"
  description     = "the orders key and secret, from the orders host"
  kms_instance_id = var.kms_instance_id
  permissions = [
    "RbacPermission/Template/CryptoServiceKeyUser",
    "RbacPermission/Template/CryptoServiceSecretUser",
  ]
  resources = [
    "key/${alicloud_kms_key.orders.id}",
    "secret/${alicloud_kms_secret.orders_db.secret_name}",
  ]
  access_control_rules = jsonencode({ NetworkRules = [alicloud_kms_network_rule.orders_host.network_rule_name] })
}

resource "alicloud_kms_application_access_point" "orders" {
  application_access_point_name = "orders-app"
  description                   = "the orders service"
  policies                      = [alicloud_kms_policy.orders.policy_name]
}

resource "alicloud_kms_client_key" "orders" {
  aap_name              = alicloud_kms_application_access_point.orders.application_access_point_name
  password              = var.client_key_password
  not_before            = "2025-01-01T00:00:00Z"
  not_after             = "2045-01-01T00:00:00Z"
  private_key_data_file = "${path.module}/clientKey_orders-app.json"
}

output "orders_key_id" {
  value = alicloud_kms_key.orders.id
}

output "orders_secret_name" {
  value = alicloud_kms_secret.orders_db.secret_name
}

output "payroll_key_id" {
  value = alicloud_kms_key.payroll.id
}

output "payroll_secret_name" {
  value = alicloud_kms_secret.payroll_db.secret_name
}

output "client_key_file" {
  value = abspath(alicloud_kms_client_key.orders.private_key_data_file)
}
