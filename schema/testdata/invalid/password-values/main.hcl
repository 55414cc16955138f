user "alice" {
  password_hash = "hunter2" # ERROR: Unrecognized password hash
}

user "bob" {
  password_hash = "$1$saltsalt$md5cryptisnotaccepted" # ERROR: Unrecognized password hash
}

user "carol" {
  password = "" # ERROR: Empty password
}

user "dave" {
  initial_password = "   " # ERROR: Empty password
}

user "erin" {
  password_hash = "" # ERROR: Unrecognized password hash
}

user "frank" {
  password_hash = "$argon2id$v=19$m=65536,t=8,p=2$c2FsdHNhbHQ$aGFzaGhhc2g"
}

user "grace" {
  password_hash = "$2b$12$abcdefghijklmnopqrstuu5zr8Fm0Ho9n0Z7vQ3Ykq0DdD4Z6vK2W"
}

user "mallory" {
  password_hash = "$pbkdf2-sha512$160000$c2FsdA$aGFzaA" # ERROR: Malformed password hash
}
