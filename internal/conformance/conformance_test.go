package conformance

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
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

// counterGen is a toy word generator: word i is a fixed mix of i.
type counterGen struct {
	i          uint32
	cloneReset bool // broken: Clone restarts the stream
}

func (g *counterGen) next() uint32 { g.i++; return g.i * 0x9e3779b9 }

func (g *counterGen) Keystream(dst []uint32) {
	for k := range dst {
		dst[k] = g.next()
	}
}

func (g *counterGen) KeystreamBytes(dst []byte) {
	for k := 0; k < len(dst); k += 4 {
		binary.BigEndian.PutUint32(dst[k:], g.next())
	}
}

func (g *counterGen) Clone() *counterGen {
	if g.cloneReset {
		return &counterGen{}
	}
	c := *g
	return &c
}

func TestKeystreamSuiteCounter(t *testing.T) {
	KeystreamSuite(t, func() *counterGen { return &counterGen{} }, map[int]uint32{1: 0x9e3779b9, 3: 0xdaa66d2b})
}
