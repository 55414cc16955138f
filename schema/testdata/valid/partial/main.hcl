variable "mail" {
}

variable "pw" {
  sensitive = true
}

locals {
  tags = [var.mail]
}

user "alice" {
  email    = var.mail
  password = var.pw
  bio      = "Write to ${var.mail}."
  tags     = local.tags
  name     = "Alice"
}
