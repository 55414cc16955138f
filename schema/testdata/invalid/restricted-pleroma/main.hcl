server {
  flavor = "pleroma"
}

# Pleroma lower-cases both sides.
user "Relay" { # ERROR: Restricted nickname
}

user "INTERNAL" { # ERROR: Restricted nickname
}

user "mfa" { # ERROR: Restricted nickname
}
