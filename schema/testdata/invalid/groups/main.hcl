role "owner" { members = ["alice"] } # ERROR: Unknown role

role "admin" {
  members = ["alice", "carol@remote.example"] # ERROR: Remote account as member
}

role "admin" { members = [] } # ERROR: Duplicate role block

role "moderator" { members = ["bob"] }

tag "verified" { members = ["alice"] }

user "alice" {
  admin = false # ERROR: Conflicting role membership
  tags  = []    # ERROR: Conflicting tag membership
}

user "bob" {
  admin     = true # ERROR: Conflicting role membership
  moderator = true
  tags      = ["Verified"] # ERROR: Conflicting tag membership
}

user "dave" {
  admin = false
  tags  = ["other"]
}

user "erin" {
  state = "absent" # ERROR: Absent user is a member
}

tag "x" { members = ["erin"] }

tag "y" { members = ["not valid"] } # ERROR: Invalid member

