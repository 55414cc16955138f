server {
  invite_secret = "short" # ERROR: Weak invite secret
}

prune {
  users   = "purge" # ERROR: Invalid prune mode
  invites = "delete" # ERROR: Invalid prune mode
  max     = -1 # ERROR: Invalid number
}

prune {} # ERROR: Duplicate prune block

user "root" {
  state = "absent" # ERROR: Absent user with prevent_destroy
  lifecycle {
    prevent_destroy = true
  }
}

user "bob" {
  active = false # ERROR: Deactivation of a protected user
  lifecycle {
    prevent_destroy = true
  }
}

user "carol" {
  state = "gone" # ERROR: Invalid state
}
