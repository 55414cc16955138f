// Package planfile owns roster's saved plans: the file that `roster plan
// --out FILE` writes and `roster apply FILE` and `roster show FILE` read.
//
// A saved plan is versioned JSON, written with mode 0600. Besides the plan
// (its changes, and the buckets of the accounts a change over many
// accounts writes: its size follows the changes, not the accounts
// compared), it holds what apply needs to refuse a stale plan: the
// database's identity, a hash of the configuration, and a salted digest of
// every secret the plan relies on. It never holds a secret itself: no
// password, password hash, invite token or invite_secret, and no database
// URL (which may carry a password).
//
// The configuration hash and the secret digests are PBKDF2-HMAC-SHA256 with
// a random salt made for each plan and stored in the file, so that a saved
// plan does not let anyone test guesses of a secret faster than the
// server's own password hashes do.
package planfile
