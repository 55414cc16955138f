user "alice@example.org" { # ERROR: Remote user
}

user "@bob" { # ERROR: Remote user
}

user "carol@" { # ERROR: Remote user
}
