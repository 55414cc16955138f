package keys

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// parsePrivatePEM parses a stored private key: the PKCS#1 "RSA PRIVATE KEY"
// PEM the servers write, or an RSA key in a PKCS#8 "PRIVATE KEY" PEM. Errors
// never contain key material.
func parsePrivatePEM(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("parse private key: no PEM block")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: invalid PKCS#1 RSA key")
		}
		return key, nil
	case "PRIVATE KEY":
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse private key: invalid PKCS#8 key")
		}
		rsaKey, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("parse private key: PKCS#8 key is not RSA")
		}
		return rsaKey, nil
	}
	return nil, fmt.Errorf("parse private key: unexpected PEM type %q", block.Type)
}
