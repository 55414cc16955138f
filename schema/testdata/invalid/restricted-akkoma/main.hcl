server {
  flavor = "akkoma"
}

# Akkoma compares exactly: only the list's own spelling is refused.
user "relay" { # ERROR: Restricted nickname
}

user "Internal" {
}

user "check_password" { # ERROR: Restricted nickname
}
