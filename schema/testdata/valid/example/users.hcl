# A user with no attribute: every attribute unmanaged.
user "carol" {
}
