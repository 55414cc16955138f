# range() stops at 1024 elements: 1000 chunks of five.
user "a" {
  bio = "${join("", [for i in range(1000) : "aaaaa"])}a" # ERROR: Bio too long
}

user "b" {
  bio = join("", [for i in range(1000) : "aaaaa"])
}

# A CRLF line break is one grapheme, as in Elixir's String.length.
user "c" {
  bio = join("", [for i in range(1000) : "\r\n\r\n\r\n\r\n\r\n"])
}

# Graphemes of seven code points each.
user "d" {
  bio = "${join("", [for i in range(1000) : "👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦"])}👩‍👩‍👧‍👦" # ERROR: Bio too long
}

user "e" {
  bio = ""
}
