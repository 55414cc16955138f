server {
  url = "https://social.example.org/pleroma" # ERROR: Invalid server URL
}

user "alice" {
}
