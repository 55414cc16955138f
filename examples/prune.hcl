# What happens to local accounts and invites that the files do not declare.
# An account is declared by a user block, a members list or protect.
prune {
  users   = "deactivate" # none (default) | deactivate | delete
  invites = "revoke"     # none (default) | revoke
  protect = ["root"]     # never pruned
  max     = 10           # refuse a plan that prunes more (see --allow-mass-prune)
}
