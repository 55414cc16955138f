# Accounts kept as data: one for each row of volunteers.csv, as a spreadsheet
# exports it. Each is user.<nickname>, as if a user block declared it, and
# the plan says which row it comes from.
users "volunteers" {
  for_each = { for row in csvdecode(file("volunteers.csv")) : row.nickname => row }
  email    = each.value.email
  name     = each.value.name
  tags     = compact(split(";", each.value.tags)) # "a;b", or empty for none
}
