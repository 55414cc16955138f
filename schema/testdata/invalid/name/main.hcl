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

# 100 graphemes, but 700 code points: more than the varchar(255) column holds.
user "g" {
  name = join("", [for i in range(100) : "👩‍👩‍👧‍👦"]) # ERROR: Name too long
}

# 100 graphemes of two code points each fit.
user "g2" {
  name = join("", [for i in range(100) : "q̇"])
}

user "h" {
  name = "x"
}
