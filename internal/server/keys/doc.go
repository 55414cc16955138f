// Package keys owns the RSA signing keys of local users: generating a key
// pair and encoding it exactly as the servers store it (Pleroma's users.keys
// and Akkoma's signing_keys.private_key and public_key), reading a stored
// private key back, and the key id Akkoma records for it.
package keys
