invite "no-token" {} # ERROR: Invite without a token

invite "given" {
  token      = "abc"
  expires_at = "31/03/2027" # ERROR: Invalid date
  max_use    = 0            # ERROR: Invalid number
}

invite "given" { # ERROR: Duplicate invite
  token = "def"
}

invite "same-token" { # ERROR: Duplicate invite token
  token = "abc"
}

invite "fine" {
  token      = "ghi"
  expires_at = "2027-03-31"
  max_use    = 25
  revoked    = true
}

invite "#2" { # ERROR: Invalid invite name
  token = "jkl"
}
