# Aliases: an alias that step 2 points at another key (UpdateAlias), read back through the
# alicloud_kms_aliases data source.

locals {
  updated = var.step >= 2
}

resource "alicloud_kms_key" "blue" {
  description            = "terraform suite: alias target blue"
  pending_window_in_days = 7
}

resource "alicloud_kms_key" "green" {
  description            = "terraform suite: alias target green"
  pending_window_in_days = 7
}

resource "alicloud_kms_alias" "app" {
  alias_name = "alias/terraform-suite/app"
  key_id     = local.updated ? alicloud_kms_key.green.id : alicloud_kms_key.blue.id
}

resource "alicloud_kms_alias" "fixed" {
  alias_name = "alias/terraform-suite-fixed"
  key_id     = alicloud_kms_key.blue.id
}

data "alicloud_kms_aliases" "app" {
  ids = [alicloud_kms_alias.app.alias_name]
  lifecycle {
    postcondition {
      condition     = length(self.aliases) == 1 && self.aliases[0].key_id == alicloud_kms_alias.app.key_id
      error_message = "alicloud_kms_aliases: the alias does not point at the key this step set"
    }
  }
}

data "alicloud_kms_aliases" "suite" {
  name_regex = "^alias/terraform-suite"
  depends_on = [alicloud_kms_alias.app, alicloud_kms_alias.fixed]
  lifecycle {
    postcondition {
      condition     = length(self.names) == 2
      error_message = "alicloud_kms_aliases with name_regex should find both aliases"
    }
  }
}
