server {
  url         = "social.example.org" # ERROR: Invalid server URL
  flavor      = "mastodon" # ERROR: Invalid server flavor
  after_apply = [] # ERROR: Empty command
  name_length = 0 # ERROR: Invalid number
  bio_length  = -1 # ERROR: Invalid number
  audit_actor = "root@elsewhere.example" # ERROR: Invalid audit actor
}
