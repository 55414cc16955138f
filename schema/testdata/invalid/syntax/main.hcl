user "alice" {
  email = # ERROR: Invalid expression
}
