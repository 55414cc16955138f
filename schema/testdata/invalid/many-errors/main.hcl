# Every problem of this file is reported by one run.
server {
  url    = "https://social.example.org/users" # ERROR: Invalid server URL
  flavor = "PLEROMA" # ERROR: Invalid server flavor
}

user "al ice" { # ERROR: Invalid nickname
  email    = "alice@" # ERROR: Invalid e-mail address
  name     = "" # ERROR: Empty name
  admin    = "yes-please" # ERROR: Incorrect attribute value type
  tags     = "x" # ERROR: Incorrect attribute value type
  nickname = "alice" # ERROR: Unsupported argument
}

user "relay" { # ERROR: Restricted nickname
  password         = "x"
  initial_password = "y" # ERROR: Conflicting password attributes
}

user "bob@example.org" { # ERROR: Remote user
  email = "Bob@example.org"
}

user "carol" {
  email = "bob@EXAMPLE.org" # ERROR: Duplicate e-mail address
  bio   = "${join("", [for i in range(1000) : "aaaaa"])}!" # ERROR: Bio too long
}

user "Carol" { # ERROR: Duplicate user
  password_hash = "plain" # ERROR: Unrecognized password hash
}

profile "carol" { # ERROR: Unsupported block type
}
