# The local users of social.example.org, as code.
# `roster plan` shows what would change; `roster apply` makes it so.

server {
  url           = "https://social.example.org" # base URL, as in the accounts' ap_ids
  flavor        = "auto"                       # auto | pleroma | akkoma
  invite_secret = var.invite_secret            # derives the tokens of invites.hcl
}

variable "alice_password" {
  description = "Alice's password, enforced: rewritten whenever it no longer verifies."
  sensitive   = true
}

locals {
  staff_tags = ["staff"]
}

user "root" {
  email = "root@social.example.org"
  admin = true # agrees with role "admin" in groups.hcl
  tags  = local.staff_tags
  lifecycle {
    prevent_destroy = true # no plan may delete or deactivate root
  }
}

user "bob" {
  moderator = true
  tags      = concat(local.staff_tags, ["verified"])
}

user "dave" {
  bio    = file("bios/dave.txt")
  locked = true
}

# erin was deactivated by hand; the configuration brings her back.
user "erin" {
  active = true
}

user "alice" {
  email     = "alice@social.example.org"
  name      = "Alice Liddell"
  bio       = templatefile("bios/alice.txt.tpl", { server = "social.example.org" })
  admin     = true
  confirmed = true
  tags      = concat(local.staff_tags, ["Verified"]) # stored lower-cased, as the server does
  password  = var.alice_password
}

# A new account whose password nobody knows: the user sets one through the
# server's password reset.
user "hatter" {
  email = "hatter@social.example.org"
  name  = "The Hatter"
}

# A spam account: deleted as the server's rm deletes it. The row stays as the
# server's purged tombstone, so the nickname is never given out again.
user "spammer" {
  state = "absent"
}
