# The alicloud_kms_service data source calls OpenKmsService on a hard-coded kms.cn-hangzhou.aliyuncs.com,
# whatever `endpoints` says. The suite runs this configuration with HTTP_PROXY pointing at the
# emulator, which answers such proxied requests itself (an account that uses KMS has it opened:
# Forbidden.Opened, which the provider reads as "Opened").

data "alicloud_kms_service" "open" {
  enable = "On"
  lifecycle {
    postcondition {
      condition     = self.status == "Opened"
      error_message = "alicloud_kms_service should report the service as opened"
    }
  }
}

output "kms_service_status" {
  value = data.alicloud_kms_service.open.status
}
