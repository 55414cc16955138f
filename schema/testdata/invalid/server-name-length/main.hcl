server {
  name_length = 10
  bio_length  = 3
}

user "alice" {
  name = "Alice Liddl" # ERROR: Name too long
  bio  = "abcd" # ERROR: Bio too long
}

user "bob" {
  name = "Bob Bobson"
  bio  = "abc"
}
