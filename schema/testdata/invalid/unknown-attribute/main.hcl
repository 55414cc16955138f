nickname_rule = "strict" # ERROR: Unsupported argument

server {
  url     = "https://social.example.org"
  timeout = 10 # ERROR: Unsupported argument
}

variable "v" {
  type    = string # ERROR: Unsupported argument
  default = "x"
}

user "alice" {
  email                 = "alice@example.org"
  nickname              = "alice" # ERROR: Unsupported argument
  Admin                 = true # ERROR: Unsupported argument
  password_confirmation = "x" # ERROR: Unsupported argument
  name                  = var.v
}
