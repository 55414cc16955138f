locals {
  staff = local.stuff # ERROR: Unsupported attribute
}

variable "name" {
  default = "Alice"
}

user "alice" {
  tags  = local.nope # ERROR: Unsupported attribute
  name  = var.nmae # ERROR: Unsupported attribute
  email = each.value # ERROR: Unknown variable
}
