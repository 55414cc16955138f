server {
  flavor = "akkoma"
}

# Akkoma's restricted-nickname check is case-sensitive: only "relay" and
# "internal" are refused.
user "Relay" {
}

user "Internal" {
}
