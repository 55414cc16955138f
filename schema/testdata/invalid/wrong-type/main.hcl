server {
  allow_unknown_version = "sometimes" # ERROR: Incorrect attribute value type
  after_apply           = "systemctl restart pleroma" # ERROR: Incorrect attribute value type
  name_length           = "long" # ERROR: Incorrect attribute value type
  restricted_nicknames  = "relay" # ERROR: Incorrect attribute value type
  bio_length            = 2.5 # ERROR: Invalid number
  end_sessions          = "when-demoted" # ERROR: Incorrect attribute value type
}

user "alice" {
  admin     = "yes-please" # ERROR: Incorrect attribute value type
  tags      = "x" # ERROR: Incorrect attribute value type
  name      = ["Alice"] # ERROR: Incorrect attribute value type
  email     = { address = "alice@example.org" } # ERROR: Incorrect attribute value type
  locked    = 1 # ERROR: Incorrect attribute value type
  moderator = "true" # converts, as in Terraform: not an error
  password  = ["secret"] # ERROR: Incorrect attribute value type
}

user "bob" {
  tags      = [["nested"]] # ERROR: Incorrect attribute value type
  confirmed = null # null: unmanaged, not an error
}

user "carol" {
  tags = ["ok", null] # ERROR: Invalid list element
}

user "dave" {
  tags = ["ok", " "] # ERROR: Invalid tag
}
