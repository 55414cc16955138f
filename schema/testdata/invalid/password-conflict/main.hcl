user "alice" {
  password         = "correct horse"
  initial_password = "battery staple" # ERROR: Conflicting password attributes
}

user "bob" {
  password_hash    = "$pbkdf2-sha512$160000$c2FsdA$aGFzaA"
  password         = "correct horse" # ERROR: Conflicting password attributes
  initial_password = "battery staple"
}

# null leaves an attribute unset, so carol sets only one.
user "carol" {
  password         = null
  initial_password = "battery staple"
}
