# Nicknames are citext on the server: these are alice again.
user "ALICE" { # ERROR: Duplicate user
}

user "Alice" { # ERROR: Duplicate user
}

user "alice2" {
}
