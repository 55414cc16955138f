# The issue's example, with a variable used in a local and a template.
server {
  url    = "https://social.example.org/"
  flavor = "auto"
}

variable "alice_password" {
  sensitive = true
}

variable "domain" {
  default = "example.org"
}

locals {
  staff_tags = ["staff"]
  mail       = "@${var.domain}"
}

user "alice" { # the label is the nickname
  email     = "alice${local.mail}"
  name      = "Alice Liddell"
  bio       = file("bios/alice.txt")
  admin     = true
  moderator = false
  confirmed = true
  approved  = true
  locked    = false
  active    = true
  tags      = concat(local.staff_tags, ["verified"])
  password  = var.alice_password
}

user "Bob" {
  bio   = templatefile("bios/bob.tpl", { name = "Bob", server = var.domain })
  tags  = concat(local.staff_tags, ["Staff", "VERIFIED", "verified", "Helper"])
  admin = null
}
