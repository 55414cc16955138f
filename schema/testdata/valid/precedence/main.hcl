variable "v" {
  default = "default"
}

variable "w" {
  default = "default"
}

user "alice" {
  name = var.v
  bio  = var.w
}
