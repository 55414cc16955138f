user "alice" {
  email = "Alice@Example.org"
}

user "dave" {
}
