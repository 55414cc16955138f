variable "secret_email" {
  sensitive = true
}

variable "plain_name" {
  default = "alice"
}

variable "secret_word" {
  sensitive = true
  default   = "rabbit"
}

locals {
  motto = "white ${var.secret_word}"
}

user "alice" {
  email            = var.secret_email
  name             = var.plain_name
  bio              = local.motto               # through a local
  tags             = [var.secret_word, "x"]    # an element of a list
  admin            = true
  initial_password = "literal"                 # a password attribute always is
}

user "bob" {
  bio  = templatefile("bio.tpl", { word = var.secret_word }) # through a function
  name = upper(var.plain_name)
}
