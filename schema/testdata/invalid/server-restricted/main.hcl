server {
  restricted_nicknames = ["bob"]
}

user "bob" { # ERROR: Restricted nickname
}

# The list replaces the default one.
user "relay" {
}
