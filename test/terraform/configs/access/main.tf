# KMS 3.0 application access: a network rule, a permission policy on the KMS instance, an application
# access point and a client key (its key file written by the provider); step 2 changes the rule's
# addresses, the policy's permissions, resources and description, and the access point's description.

locals {
  updated = var.step >= 2
}

resource "alicloud_kms_network_rule" "office" {
  network_rule_name = "terraform-suite-office"
  description       = local.updated ? "office and VPN" : "office"
  source_private_ip = local.updated ? ["127.0.0.1", "10.0.0.0/8", "192.168.1.0/24"] : ["127.0.0.1", "10.0.0.0/8"]
}

resource "alicloud_kms_key" "app" {
  description            = "terraform suite: application key"
  dkms_instance_id       = var.kms_instance_id
  pending_window_in_days = 7
}

resource "alicloud_kms_policy" "app" {
  policy_name     = "terraform-suite-app"
  description     = local.updated ? "keys and secrets of the app" : "keys of the app"
  kms_instance_id = var.kms_instance_id
  permissions = local.updated ? [
    "RbacPermission/Template/CryptoServiceKeyUser",
    "RbacPermission/Template/CryptoServiceSecretUser",
  ] : ["RbacPermission/Template/CryptoServiceKeyUser"]
  resources            = local.updated ? ["key/${alicloud_kms_key.app.id}", "secret/*"] : ["key/${alicloud_kms_key.app.id}"]
  access_control_rules = jsonencode({ NetworkRules = [alicloud_kms_network_rule.office.network_rule_name] })
}

resource "alicloud_kms_application_access_point" "app" {
  application_access_point_name = "terraform-suite-app"
  description                   = local.updated ? "the app, version 2" : "the app"
  policies                      = [alicloud_kms_policy.app.policy_name]
}

resource "alicloud_kms_client_key" "app" {
  aap_name              = alicloud_kms_application_access_point.app.application_access_point_name
  password              = "Terraform-Suite-Passw0rd"
  not_before            = "2025-01-01T00:00:00Z"
  not_after             = "2045-01-01T00:00:00Z"
  private_key_data_file = "${path.module}/clientKey_terraform-suite-app.json"
}

output "client_key_id" {
  value = alicloud_kms_client_key.app.id
}

# The key file the provider wrote at step 1 (KeyId and the PKCS#12 PrivateKeyData) is there at step 2.
resource "terraform_data" "client_key_file" {
  count = local.updated ? 1 : 0
  input = alicloud_kms_client_key.app.id
  lifecycle {
    precondition {
      condition = try(
        jsondecode(file("${path.module}/clientKey_terraform-suite-app.json")).KeyId == alicloud_kms_client_key.app.id &&
        length(jsondecode(file("${path.module}/clientKey_terraform-suite-app.json")).PrivateKeyData) > 100,
        false,
      )
      error_message = "alicloud_kms_client_key did not write the client key file (KeyId, PrivateKeyData)"
    }
  }
}
