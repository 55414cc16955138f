user "enforced" {
  password = "correct horse"
}

user "initial" {
  initial_password = "battery staple"
}

user "hash" {
  password_hash = "$pbkdf2-sha512$160000$c2FsdA$aGFzaA"
}

user "none" {
}

user "nulled" {
  password = null
}
