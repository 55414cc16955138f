# Guardrails: rules that must hold whoever changes what, through roster or
# the admin interface (README, Guardrails). plan evaluates them on the state
# it would leave, drift on the server (a check that does not hold is drift),
# apply on what it wrote before COMMIT, where an enforced one rolls back.

check "at_most_three_admins" {
  enforce = true
  assert {
    condition     = length([for u in live.users : u.nickname if u.admin]) <= 3
    error_message = "At most three admins; there would be ${length([for u in live.users : u.nickname if u.admin])}: ${join(", ", sort([for u in live.users : u.nickname if u.admin]))}."
  }
}

check "staff_confirmed" {
  assert {
    condition     = alltrue([for u in live.users : u.confirmed if u.admin || u.moderator])
    error_message = "Admins and moderators must have confirmed their e-mail address: ${join(", ", [for u in live.users : u.nickname if (u.admin || u.moderator) && !u.confirmed])}."
  }
}

check "staff_not_locked" {
  assert {
    condition     = !anytrue([for u in live.users : u.locked if u.admin || u.moderator])
    error_message = "Admins and moderators must not be locked accounts: ${join(", ", [for u in live.users : u.nickname if (u.admin || u.moderator) && u.locked])}."
  }
}
