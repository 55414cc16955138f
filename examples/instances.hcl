# Every account of a server that sends spam stays deactivated, including
# accounts that arrive after the first apply: the next apply deactivates
# them, and the nightly drift job reports them (`~ active_accounts = 1 -> 0`).
# The domain is matched exactly: accounts of spam.example.net are not touched.
remote_instance "spam.example" {
  active = false
}

# Every local account is confirmed (the server's confirm_all), except
# admins, moderators, internal actors and users whose block sets confirmed.
local_users {
  confirmed = true
}
