# PostgreSQL text cannot hold U+0000: a NUL anywhere in a string value or a
# label is refused where it is written.
variable "nul" {
  default = "a\u0000b"
}

server {
  after_apply = ["echo", "a\u0000"] # ERROR: NUL character
}

user "alice" {
  name  = "Alice\u0000" # ERROR: NUL character
  bio   = var.nul # ERROR: NUL character
  tags  = ["ok", "t\u0000"] # ERROR: NUL character
  email = lower("A\u0000@example.org") # ERROR: NUL character
  state = "present\u0000" # ERROR: NUL character
}

user "eve\u0000" { # ERROR: NUL character
}

tag "bad\u0000tag" { # ERROR: NUL character
  members = ["alice"]
}

role "moderator" {
  members = ["alice\u0000"] # ERROR: NUL character
}

invite "spring\u0000" { # ERROR: NUL character
  token = "0123456789abcdef"
}

invite "summer" {
  token = "0123456789\u0000abcdef" # ERROR: NUL character
}

remote_instance "spam\u0000.example" { # ERROR: NUL character
  active = false
}

prune {
  protect = ["x\u0000"] # ERROR: NUL character
}
