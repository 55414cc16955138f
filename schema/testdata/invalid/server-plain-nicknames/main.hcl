server {
  extended_nickname_format = false
}

user "a_b" { # ERROR: Invalid nickname
}

user "a-b" { # ERROR: Invalid nickname
}

user "ab1" {
}
