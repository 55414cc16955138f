user "alice" {
}

user "bob" {
}

user "bob" { # ERROR: Duplicate user
}
