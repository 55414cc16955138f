user "a" {
  name = "" # ERROR: Empty name
}

user "b" {
  name = "   " # ERROR: Empty name
}

user "c" {
  name = "\t\n" # ERROR: Empty name
}

user "d" {
  name = join("", [for i in range(101) : "a"]) # ERROR: Name too long
}

user "e" {
  name = join("", [for i in range(100) : "a"])
}

# 101 graphemes of seven code points each.
user "f" {
  name = join("", [for i in range(101) : "👩‍👩‍👧‍👦"]) # ERROR: Name too long
}

user "g" {
  name = join("", [for i in range(100) : "👩‍👩‍👧‍👦"])
}

user "h" {
  name = "x"
}
