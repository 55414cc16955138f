server {
  url                      = "http://localhost:4000"
  flavor                   = "pleroma"
  allow_unknown_version    = true
  after_apply              = ["systemctl", "restart", "pleroma"]
  name_length              = 50
  bio_length               = 10000
  extended_nickname_format = false
  restricted_nicknames     = ["Bob", "carol"]
  end_sessions             = false
  audit_actor              = "root"
}

user "alice" {
}
