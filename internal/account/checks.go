package account

// MFAColumn is the SQL expression that reads whether an account has
// multi-factor authentication on, as the mfa attribute reads it: enabled,
// or a confirmed TOTP method.
func MFAColumn() string { return byName[MFA].read }
