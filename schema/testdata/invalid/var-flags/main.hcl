variable "name" {
  default = "Alice"
}

user "alice" {
  name = var.name
}
