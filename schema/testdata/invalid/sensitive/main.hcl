# Values from sensitive variables never appear in a diagnostic.
variable "secret_email" {
  sensitive = true
}

variable "secret_dup" {
  sensitive = true
}

variable "secret_word" {
  sensitive = true
}

variable "secret_hash" {
  sensitive = true
}

user "alice" {
  email = var.secret_email # ERROR: Invalid e-mail address
}

user "bob" {
  email = var.secret_dup
}

user "carol" {
  email = lower(var.secret_dup) # ERROR: Duplicate e-mail address
}

user "dave" {
  bio = file("${var.secret_word}.txt") # ERROR: Error in function call
}

user "erin" {
  name = parseint(var.secret_word, 10) # ERROR: Invalid function argument
}

user "frank" {
  password_hash = var.secret_hash # ERROR: Unrecognized password hash
}

user "grace" {
  password         = var.secret_word
  initial_password = var.secret_hash # ERROR: Conflicting password attributes
}

user "heidi" {
  tags = [var.secret_word, ""] # ERROR: Invalid tag
}
