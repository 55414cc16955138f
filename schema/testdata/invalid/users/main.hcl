users "null" {
  for_each = null # ERROR: Invalid for_each argument
}

users "list" {
  for_each = ["ann", "ben"] # ERROR: Invalid for_each argument
}

users "numbers" {
  for_each = toset([1, 2]) # ERROR: Invalid for_each argument
}

users "null-element" {
  for_each = toset(["cat", null]) # ERROR: Invalid for_each argument
}

users "staff" {
  for_each = { for row in csvdecode(file("staff.csv")) : row.nickname => row }
  email    = each.value.email # ERROR: Invalid e-mail address
  admin    = each.value.admin # ERROR: Incorrect attribute value type
  lifecycle {
    prevent_destroy = each.value.nickname == "ann"
  }
}

users "STAFF" { # ERROR: Duplicate users block
  for_each = {}
}

users "without" { # ERROR: Missing required argument
}

users "keys" {
  for_each = { "dan@remote.example" = 1, "e f" = 2 } # ERROR: Remote user # ERROR: Invalid nickname
  nickname = "x"                                      # ERROR: Unsupported argument
}

user "plain" {
  name = each.key # ERROR: Unknown variable
}
