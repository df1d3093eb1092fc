# RAM identities and policies, changed in step 2: users (display name, email, mobile, comments), an
# AccessKey (made Inactive), a login profile, groups and their members, custom policies (a new default version),
# attachments of custom and system policies to a user, a group and a role, a role (trust policy,
# description, maximum session); then the data sources read them back.

locals {
  second = var.step >= 2
}

data "alicloud_caller_identity" "current" {
  lifecycle {
    postcondition {
      condition     = self.identity_type == "Account" && can(regex("^acs:ram::[0-9]+:root$", self.arn))
      error_message = "alicloud_caller_identity: the root pair is not the account"
    }
  }
}

resource "alicloud_ram_user" "alice" {
  name         = "tf-alice"
  display_name = local.second ? "Alice (ops)" : "Alice"
  email        = "alice@example.com"
  mobile       = local.second ? "86-18600008888" : null
  comments     = local.second ? "moved to ops" : "made by Terraform"
  force        = true
}

resource "alicloud_ram_user" "bob" {
  name = "tf-bob"
}

# Alice can log on to the console; `force` on her user removes this (and her AccessKey) first too.
resource "alicloud_ram_login_profile" "alice" {
  user_name               = alicloud_ram_user.alice.name
  password                = "Alice#Console-Passw0rd"
  password_reset_required = !local.second
  mfa_bind_required       = local.second
}

resource "alicloud_ram_access_key" "alice" {
  user_name   = alicloud_ram_user.alice.name
  status      = local.second ? "Inactive" : "Active"
  secret_file = "${path.module}/alice-access-key.txt"
}

resource "alicloud_ram_group" "ops" {
  name     = "tf-ops"
  comments = local.second ? "operations (on call)" : "operations"
  force    = true
}

resource "alicloud_ram_group" "dev" {
  name = "tf-dev"
}

resource "alicloud_ram_group_membership" "ops" {
  group_name = alicloud_ram_group.ops.name
  user_names = local.second ? [alicloud_ram_user.alice.name, alicloud_ram_user.bob.name] : [alicloud_ram_user.alice.name]
}

resource "alicloud_ram_policy" "read_secrets" {
  policy_name = "tf-read-secrets"
  description = "reads the app/ secrets"
  policy_document = jsonencode({
    Version = "1"
    Statement = [{
      Effect   = "Allow"
      Action   = local.second ? ["kms:GetSecretValue", "kms:DescribeSecret"] : ["kms:GetSecretValue"]
      Resource = ["acs:kms:*:${data.alicloud_caller_identity.current.account_id}:secret/app/*"]
    }]
  })
  rotate_strategy = "DeleteOldestNonDefaultVersionWhenLimitExceeded"
  force           = true
}

resource "alicloud_ram_policy" "use_keys" {
  policy_name = "tf-use-keys"
  description = "encrypts and decrypts with any key"
  policy_document = jsonencode({
    Version = "1"
    Statement = [{
      Effect   = "Allow"
      Action   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
      Resource = ["acs:kms:*:*:key/*"]
    }]
  })
  force = true
}

resource "alicloud_ram_user_policy_attachment" "alice_secrets" {
  policy_name = alicloud_ram_policy.read_secrets.policy_name
  policy_type = alicloud_ram_policy.read_secrets.type
  user_name   = alicloud_ram_user.alice.name
}

resource "alicloud_ram_user_policy_attachment" "bob_readonly" {
  policy_name = "AliyunKMSReadOnlyAccess"
  policy_type = "System"
  user_name   = alicloud_ram_user.bob.name
}

resource "alicloud_ram_group_policy_attachment" "ops_keys" {
  policy_name = alicloud_ram_policy.use_keys.policy_name
  policy_type = "Custom"
  group_name  = alicloud_ram_group.ops.name
}

resource "alicloud_ram_group_policy_attachment" "dev_readonly" {
  policy_name = "AliyunKMSReadOnlyAccess"
  policy_type = "System"
  group_name  = alicloud_ram_group.dev.name
}

resource "alicloud_ram_role" "deployer" {
  name = "tf-deployer"
  document = jsonencode({
    Version = "1"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { RAM = ["acs:ram::${data.alicloud_caller_identity.current.account_id}:root"] }
    }]
  })
  description          = local.second ? "deploys the applications (CI)" : "deploys the applications"
  max_session_duration = local.second ? 7200 : 3600
  force                = true
}

resource "alicloud_ram_role" "ecs" {
  name = "tf-ecs-service"
  document = jsonencode({
    Version = "1"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = ["ecs.aliyuncs.com"] }
    }]
  })
}

resource "alicloud_ram_role_policy_attachment" "deployer_keys" {
  policy_name = alicloud_ram_policy.use_keys.policy_name
  policy_type = "Custom"
  role_name   = alicloud_ram_role.deployer.name
}

resource "alicloud_ram_role_policy_attachment" "ecs_secrets" {
  policy_name = "AliyunKMSSecretAdminAccess"
  policy_type = "System"
  role_name   = alicloud_ram_role.ecs.name
}

# The data sources, after every attachment is made.
data "alicloud_ram_users" "in_ops" {
  group_name = alicloud_ram_group_membership.ops.group_name
  lifecycle {
    postcondition {
      condition     = length(self.users) == (local.second ? 2 : 1) && contains(self.names, "tf-alice")
      error_message = "alicloud_ram_users (group_name) did not list the group's members"
    }
  }
}

data "alicloud_ram_users" "by_policy" {
  policy_name = alicloud_ram_user_policy_attachment.alice_secrets.policy_name
  policy_type = "Custom"
  name_regex  = "^tf-"
  lifecycle {
    postcondition {
      condition     = self.names == tolist(["tf-alice"]) && self.ids == tolist([alicloud_ram_user.alice.id])
      error_message = "alicloud_ram_users (policy_name) did not list the user the policy is attached to"
    }
  }
}

data "alicloud_ram_groups" "by_user" {
  user_name  = alicloud_ram_user.alice.name
  depends_on = [alicloud_ram_group_membership.ops]
  name_regex = "^tf-"
  lifecycle {
    postcondition {
      condition     = self.names == tolist(["tf-ops"]) && self.groups[0].comments == alicloud_ram_group.ops.comments
      error_message = "alicloud_ram_groups (user_name) did not list the user's group"
    }
  }
}

data "alicloud_ram_groups" "by_system_policy" {
  policy_name = alicloud_ram_group_policy_attachment.dev_readonly.policy_name
  policy_type = "System"
  lifecycle {
    postcondition {
      condition     = self.names == tolist(["tf-dev"])
      error_message = "alicloud_ram_groups (policy_name, System) did not list the group"
    }
  }
}

data "alicloud_ram_policies" "custom" {
  name_regex     = "^tf-"
  type           = "Custom"
  enable_details = true
  depends_on = [
    alicloud_ram_policy.read_secrets,
    alicloud_ram_policy.use_keys,
    alicloud_ram_user_policy_attachment.alice_secrets,
    alicloud_ram_group_policy_attachment.ops_keys,
    alicloud_ram_role_policy_attachment.deployer_keys,
  ]
  lifecycle {
    postcondition {
      condition = (
        length(self.policies) == 2 &&
        one([for p in self.policies : p.attachment_count if p.name == "tf-use-keys"]) == 2 &&
        one([for p in self.policies : p.default_version if p.name == "tf-read-secrets"]) == (local.second ? "v2" : "v1") &&
        alltrue([for p in self.policies : jsondecode(p.policy_document).Version == "1"])
      )
      error_message = "alicloud_ram_policies (Custom, details) did not read the policies back"
    }
  }
}

data "alicloud_ram_policies" "for_user" {
  user_name = alicloud_ram_user_policy_attachment.bob_readonly.user_name
  lifecycle {
    postcondition {
      condition     = self.names == tolist(["AliyunKMSReadOnlyAccess"]) && self.policies[0].type == "System"
      error_message = "alicloud_ram_policies (user_name) did not list the user's system policy"
    }
  }
}

data "alicloud_ram_policies" "for_role" {
  role_name = alicloud_ram_role_policy_attachment.deployer_keys.role_name
  lifecycle {
    postcondition {
      condition     = self.names == tolist(["tf-use-keys"])
      error_message = "alicloud_ram_policies (role_name) did not list the role's policy"
    }
  }
}

data "alicloud_ram_roles" "tf" {
  name_regex = "^tf-"
  depends_on = [alicloud_ram_role.deployer, alicloud_ram_role.ecs]
  lifecycle {
    postcondition {
      condition = (
        length(self.roles) == 2 &&
        one([for r in self.roles : r.arn if r.name == "tf-deployer"]) == alicloud_ram_role.deployer.arn &&
        one([for r in self.roles : r.description if r.name == "tf-deployer"]) == alicloud_ram_role.deployer.description
      )
      error_message = "alicloud_ram_roles did not read the roles back"
    }
  }
}

data "alicloud_ram_roles" "by_policy" {
  policy_name = alicloud_ram_role_policy_attachment.ecs_secrets.policy_name
  policy_type = "System"
  lifecycle {
    postcondition {
      condition     = self.names == tolist(["tf-ecs-service"]) && self.ids == tolist([alicloud_ram_role.ecs.role_id])
      error_message = "alicloud_ram_roles (policy_name) did not list the role the policy is attached to"
    }
  }
}

output "custom_policies" {
  value = [for p in data.alicloud_ram_policies.custom.policies : [p.name, p.attachment_count, p.default_version, p.version_id]]
}

output "alice_access_key_id" {
  value = alicloud_ram_access_key.alice.id
}
