user "alice" {
  sessions_valid_after = "2026-11-20" # ERROR: Invalid timestamp
  mfa                  = true # ERROR: MFA cannot be turned on
}

user "bob" {
  sessions_valid_after = "2999-01-01T00:00:00Z" # ERROR: Instant in the future
  mfa                  = "off" # ERROR: Incorrect attribute value type
}

remote_instance "spam.example" {
  active = false
}

remote_instance "Spam.Example" { # ERROR: Duplicate remote_instance block
  active = false
}

remote_instance "https://bad.example/" { # ERROR: Invalid domain
  active = false
}

remote_instance "spam.example:80x" { # ERROR: Invalid domain
}

remote_instance "xn--bcher-kva.example" {
  active   = false
  disabled = true # ERROR: Unsupported argument
}

local_users {
  confirmed = "yes" # ERROR: Incorrect attribute value type
}

local_users { # ERROR: Duplicate local_users block
  confirmed = true
}
