terraform {
  required_providers {
    alicloud = {
      source  = "aliyun/alicloud"
      version = "1.240.0"
    }
  }
}

variable "endpoint" {
  type        = string
  description = "host:port of the emulator (its HTTP listener, or its TLS listener with protocol HTTPS)"
}

variable "protocol" {
  type    = string
  default = "HTTP"
}

variable "kms_instance_id" {
  type    = string
  default = "kst-hzz65f3tfsuite"
}

variable "step" {
  type    = number
  default = 1
}

# KMS, RAM and STS all answer on the emulator's one listener (the request's Version picks the API).
provider "alicloud" {
  access_key   = "LTAIEmulatorAccessKeyId"
  secret_key   = "EmulatorAccessKeySecret"
  region       = "cn-hangzhou"
  account_type = "Domestic" # without it every command first asks the billing API, which is not there
  protocol     = var.protocol
  endpoints {
    kms = var.endpoint
    ram = var.endpoint
    sts = var.endpoint # alicloud_caller_identity, and the account ID some resources look up
  }
}
