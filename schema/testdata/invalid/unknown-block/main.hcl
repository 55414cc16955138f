# Blocks roster does not know, at the top level and inside every block.

resource "user" "alice" { # ERROR: Unsupported block type
}

user "alice" {
  email = "alice@example.org"
  profile { # ERROR: Unsupported block type
    field = "x"
  }
}

server {
  limits { # ERROR: Unsupported block type
  }
}

variable "v" {
  default = "x"
  validation { # ERROR: Unsupported block type
  }
}

locals {
  staff = ["staff"]
  nested { # ERROR: Unexpected "nested" block
  }
}

usr { # ERROR: Unsupported block type
}

users { # ERROR: Missing name for users
}
