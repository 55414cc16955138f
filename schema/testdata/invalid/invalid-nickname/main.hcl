user "al ice" { # ERROR: Invalid nickname
}

user "alice.b" { # ERROR: Invalid nickname
}

user "é" { # ERROR: Invalid nickname
}

# PCRE's $ matches before a trailing newline; the rule is anchored as \A...\z.
user "carol\n" { # ERROR: Invalid nickname
}

user "" { # ERROR: Invalid nickname
}

user "bob!" { # ERROR: Invalid nickname
}

# Cyrillic а, not Latin a.
user "аlice" { # ERROR: Invalid nickname
}

user "Alice_ok-1" {
}

user "-" {
}

# No server block: the flavor is auto, and the comparison case-insensitive.
user "RELAY" { # ERROR: Restricted nickname
}
