user "a" {
  email = "not-an-email" # ERROR: Invalid e-mail address
}

user "b" {
  email = "alice@" # ERROR: Invalid e-mail address
}

user "c" {
  email = "@example.org" # ERROR: Invalid e-mail address
}

user "d" {
  email = "dave@example.org\n" # ERROR: Invalid e-mail address
}

user "e" {
  email = "erin@exa_mple.org" # ERROR: Invalid e-mail address
}

user "f" {
  email = "fr ank@example.org" # ERROR: Invalid e-mail address
}

user "g" {
  email = "" # ERROR: Invalid e-mail address
}

user "h" {
  email = "h@-example.org" # ERROR: Invalid e-mail address
}

user "i" {
  email = "Ivan@Example.ORG"
}

user "j" {
  email = "o'brien+tag@mail.example.org"
}

user "k" {
  email = "k`q@localhost"
}

user "l" {
  email = null
}
