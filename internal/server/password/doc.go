// Package password owns the password hash formats of Pleroma and Akkoma:
// making hashes in each server's native format (PBKDF2-SHA512 for Pleroma,
// Argon2id for Akkoma), recognizing a stored hash's format the way the
// servers dispatch on it, and verifying a password against any hash the
// servers accept at login (pbkdf2, bcrypt, argon2).
//
// Nothing here puts a password or a hash into an error message.
package password
