server { # ERROR: Duplicate server block
  flavor = "akkoma"
  bogus  = 1 # ERROR: Unsupported argument
  url    = "social.example.org" # ERROR: Invalid server URL
}
