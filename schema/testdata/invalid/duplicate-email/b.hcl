user "bob" {
  email = "alice@example.ORG" # ERROR: Duplicate e-mail address
}

user "carol" {
  email = "carol@example.org"
}

# Users without an e-mail address do not collide.
user "erin" {
  email = null
}
