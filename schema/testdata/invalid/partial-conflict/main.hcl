# Loaded with Inputs.Partial: pw has no value, but password still counts as
# set for the at-most-one rule.
variable "pw" {
  sensitive = true
}

user "alice" {
  password         = var.pw
  initial_password = "battery staple" # ERROR: Conflicting password attributes
}
