# No env(): variables already read ROSTER_VAR_*.
user "alice" {
  email = env("ALICE_EMAIL") # ERROR: Call to unknown function
  bio   = file("no-such-file.txt") # ERROR: Error in function call
  name  = upper("alice")
}
