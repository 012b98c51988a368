package conformance

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"hash"
	"testing"
)

// The suites must accept the standard library's reference implementations.
func TestStreamSuiteStdlibCTR(t *testing.T) {
	StreamSuite(t, func() cipher.Stream {
		b, _ := aes.NewCipher(make([]byte, 16))
		return cipher.NewCTR(b, make([]byte, 16))
	})
}

func TestHashSuiteStdlibSHA256(t *testing.T) {
	HashSuite(t, func() hash.Hash { return sha256.New() })
}
