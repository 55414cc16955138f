variable "v" {
  default = "x"
}

variable "v" { # ERROR: Duplicate variable declaration
  default = "y"
}

variable "1v" { # ERROR: Invalid variable name
}

variable "s" {
  sensitive = "maybe" # ERROR: Invalid value for sensitive
  default   = "x"
}

locals {
  a = 1
}

locals {
  a = 2 # ERROR: Duplicate local value definition
}

user { # ERROR: Missing nickname for user
}
