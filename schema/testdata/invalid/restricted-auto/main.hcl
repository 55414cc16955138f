# With the flavor auto (also the default without a server block), the
# stricter, case-insensitive comparison applies.
server {
  flavor = "auto"
}

user "Relay" { # ERROR: Restricted nickname
}

user "API" { # ERROR: Restricted nickname
}

user "user_exists" { # ERROR: Restricted nickname
}

user "relay2" {
}

user "relays" {
}
