variable "mail" { # ERROR: No value for required variable
}

variable "pw" { # ERROR: No value for required variable
  sensitive = true
}

variable "name" {
  default = "Alice"
}

# The attributes that depend on a missing variable are not reported again.
user "alice" {
  email    = var.mail
  password = var.pw
  name     = var.name
}
