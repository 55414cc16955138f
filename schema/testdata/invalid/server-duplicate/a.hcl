server {
  url = "https://social.example.org"
}
