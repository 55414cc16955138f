user "enforced" {
  password = "correct horse"
}

user "initial" {
  initial_password = "battery staple"
}

user "hash" {
  password_hash = "$pbkdf2-sha512$160000$loXqbp8GYls43F0i6lEfIw$AY.Ep.2pGe57j2hAPY635sI/6w7l9Q9u9Bp02PkPmF3OrClDtJAI8bCiivPr53OKMF7ph6iHhN68Rom5nEfC2A"
}

user "none" {
}

user "nulled" {
  password = null
}
