# Who holds each role and tag, exactly. A local account outside `members`
# loses the role or tag, and the plan says why: this is how a nightly plan
# finds an admin grant that nobody reviewed.

role "admin" {
  members = ["root", "alice"]
}

role "moderator" {
  members = ["bob"]
}

tag "staff" {
  members = ["root", "bob", "alice"]
}
