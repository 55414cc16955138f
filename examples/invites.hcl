# Registration invites. Without a state file, an invite is found again by
# its token, derived here from its name and server.invite_secret.

variable "invite_secret" {
  description = "A long random secret from which invite tokens are derived. Keep it like a password."
  sensitive   = true
}

invite "spring-2027" {
  max_use    = 25
  expires_at = "2027-03-31" # the last UTC day it works
}

invite "staff-onboarding" {
  max_use = 3
}
