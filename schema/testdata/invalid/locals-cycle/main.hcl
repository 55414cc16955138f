locals {
  a    = local.b # ERROR: Cycle in local values
  b    = local.a # ERROR: Cycle in local values
  self = "${local.self}!" # ERROR: Cycle in local values
  c    = "fine"
  d    = upper(local.c)
  e    = "${local.a}!" # waits on the cycle: no error of its own
}

user "alice" {
  tags = [local.e, local.d]
}
