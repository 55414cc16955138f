variable "secret" {
  sensitive = true
  default   = "hunter2"
}

# A valid check: nothing reported.
check "admins_have_mfa" {
  assert {
    condition     = alltrue([for u in live.users : u.mfa if u.admin])
    error_message = "Every admin must have two-factor authentication on."
  }
}

# An attribute live.users' elements do not have, behind an if that a
# value not known yet does not evaluate.
check "typo" {
  assert {
    condition     = alltrue([for u in live.users : u.mfaa if u.admin]) # ERROR: Unsupported attribute
    error_message = "Every admin must have two-factor authentication on."
  }
}

# The same in the filter, in the message, and through a splat and an index.
check "typo_elsewhere" {
  assert {
    condition     = length([for u in live.users : u if u.amdin]) <= 3 # ERROR: Unsupported attribute
    error_message = "Admins: ${join(", ", [for x in live.invites : x.token])}" # ERROR: Unsupported attribute
  }
  assert {
    condition     = length(live.users[*].password_hash) > 0 # ERROR: Unsupported attribute
    error_message = "x"
  }
  assert {
    condition     = live.users[0].nickname == "root" && live.invites[0]["tokens"] == "" # ERROR: Unsupported attribute
    error_message = "x"
  }
}

# A variable of an inner for expression shadows the outer one.
check "shadowed" {
  assert {
    condition     = alltrue([for u in live.users : alltrue([for u in ["a"] : u != ""])])
    error_message = "x"
  }
}

check "not_bool" {
  assert {
    condition     = length(live.users) # ERROR: Invalid condition result
    error_message = "x"
  }
  assert {
    condition     = "true" # ERROR: Invalid condition result
    error_message = "x"
  }
}

check "bad_message" {
  assert {
    condition     = true
    error_message = ["a list"] # ERROR: Invalid error message
  }
}

check "secret" {
  assert {
    condition     = var.secret != "" # ERROR: Sensitive value not allowed
    error_message = "x"
  }
}

check "no_asserts" { # ERROR: Missing assert block
  enforce = true
}

check "scoped_data" {
  data "http" "x" { # ERROR: Scoped data sources are not supported
  }
  assert {
    condition     = true
    error_message = "x"
  }
}

check "missing" {
  assert { # ERROR: Missing required argument
    condition = true
  }
}

check "admins_have_mfa" { # ERROR: Duplicate check block
  assert {
    condition     = true
    error_message = "x"
  }
}

check "1st" { # ERROR: Invalid check block name
  assert {
    condition     = true
    error_message = "x"
  }
}

check "enforce_type" {
  enforce = "always" # ERROR: Incorrect attribute value type
  assert {
    condition     = timestamp() != "" # ERROR: Error in function call
    error_message = "x"
  }
}

user "alice" {
  bio = "${plantimestamp()}"
}
