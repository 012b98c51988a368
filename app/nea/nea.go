package nea

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hesemcom/hesemcom/app/internal/snow3g"
	"github.com/hesemcom/hesemcom/app/internal/zuc"
)

// Algorithm identifies a 5G ciphering algorithm (TS 33.501 §5.11.1.1).
type Algorithm uint8

// The four algorithms; the numeric values are the 4-bit algorithm identities
// of TS 33.501 §5.11.1.1.
const (
	NEA0 Algorithm = iota // null ciphering
	NEA1                  // SNOW 3G based
	NEA2                  // AES-128 in CTR mode
	NEA3                  // ZUC-128 based
)

// String returns the 3GPP name, for example "128-NEA2" (NEA0 is just "NEA0").
func (a Algorithm) String() string {
	switch a {
	case NEA0:
		return "NEA0"
	case NEA1, NEA2, NEA3:
		return fmt.Sprintf("128-NEA%d", a)
	}
	return fmt.Sprintf("Algorithm(%d)", a)
}

// MarshalText implements encoding.TextMarshaler.
func (a Algorithm) MarshalText() ([]byte, error) {
	if a > NEA3 {
		return nil, fmt.Errorf("nea: unknown algorithm %d", a)
	}
	return []byte(a.String()), nil
}

// UnmarshalText accepts "nea0".."nea3", "128-nea1".."128-nea3" in any case.
func (a *Algorithm) UnmarshalText(b []byte) error {
	s := strings.TrimPrefix(strings.ToLower(string(b)), "128-")
	for v := NEA0; v <= NEA3; v++ {
		if s == fmt.Sprintf("nea%d", v) {
			*a = v
			return nil
		}
	}
	return fmt.Errorf("nea: unknown algorithm %q (want nea0..nea3)", b)
}

// KeySize is the key length of all four algorithms in bytes.
const KeySize = 16

// Config is an unchecked description of one ciphering context: the key and
// the per-bearer inputs fixed for a link. COUNT changes per packet and is a
// call-time argument.
type Config struct {
	Algorithm Algorithm `json:"algorithm"`
	Key       []byte    `json:"-"`         // KEY, 16 bytes; never serialised
	Bearer    uint8     `json:"bearer"`    // BEARER, 5 bits (0..31)
	Direction uint8     `json:"direction"` // DIRECTION, 0 uplink or 1 downlink
}

// Cipher is a checked Config. It holds reusable generator state, so it is
// not safe for concurrent use; Clone gives an independent copy.
type Cipher struct {
	cfg   Config
	block cipher.Block // NEA2 only
	ws    wordStream   // reused by XOR for NEA1/NEA3
	iv    [16]byte     // NEA3 IV scratch
	snowK [4]uint32    // NEA1 key words K0..K3
	snowV [4]uint32    // NEA1 IV scratch
}

// NewCipher validates cfg and returns a Cipher; the error names the bad field.
func NewCipher(cfg Config) (*Cipher, error) {
	if cfg.Algorithm > NEA3 {
		return nil, fmt.Errorf("nea: unknown algorithm %d", cfg.Algorithm)
	}
	if len(cfg.Key) != KeySize {
		return nil, fmt.Errorf("nea: key is %d bytes, want %d", len(cfg.Key), KeySize)
	}
	if cfg.Bearer > 31 {
		return nil, fmt.Errorf("nea: bearer %d does not fit 5 bits", cfg.Bearer)
	}
	if cfg.Direction > 1 {
		return nil, fmt.Errorf("nea: direction %d, want 0 or 1", cfg.Direction)
	}
	c := &Cipher{cfg: cfg}
	c.cfg.Key = slices.Clone(cfg.Key)
	for i := range 4 {
		c.snowK[3-i] = binary.BigEndian.Uint32(c.cfg.Key[4*i:])
	}
	if cfg.Algorithm == NEA2 {
		b, err := aes.NewCipher(c.cfg.Key)
		if err != nil {
			return nil, err
		}
		c.block = b
	}
	return c, nil
}

// Config returns the configuration c was built from (with a copy of the key).
func (c *Cipher) Config() Config {
	cfg := c.cfg
	cfg.Key = slices.Clone(cfg.Key)
	return cfg
}

// Clone returns an independent Cipher with the same configuration.
func (c *Cipher) Clone() *Cipher {
	d := *c
	d.ws = wordStream{}
	return &d
}

// New returns the keystream of alg for one message: the cipher.Stream to XOR
// with the plaintext (or ciphertext) starting at its first bit.
func New(alg Algorithm, key []byte, count uint32, bearer, direction uint8) (cipher.Stream, error) {
	c, err := NewCipher(Config{Algorithm: alg, Key: key, Bearer: bearer, Direction: direction})
	if err != nil {
		return nil, err
	}
	return c.Stream(count), nil
}

// Stream returns a fresh keystream for the message with the given COUNT.
// The stream is independent of c. It allocates.
func (c *Cipher) Stream(count uint32) cipher.Stream {
	switch c.cfg.Algorithm {
	case NEA1:
		ws := &wordStream{}
		ws.snow = snow3g.New(c.snowInputs(count))
		ws.pos = len(ws.buf)
		return ws
	case NEA2:
		return cipher.NewCTR(c.block, c.ctrIV(count))
	case NEA3:
		ws := &wordStream{}
		ws.zuc = zuc.New((*[16]byte)(c.cfg.Key), c.zucIV(count))
		ws.pos = len(ws.buf)
		return ws
	}
	return nullStream{}
}

// snowInputs maps the inputs to SNOW 3G for 128-NEA1 (TS 33.401 Annex B.1.2
// via UEA2, TS 35.215 §3.4): K3‖K2‖K1‖K0 = KEY, IV3 = IV1 = COUNT,
// IV2 = IV0 = BEARER‖DIRECTION‖0^26.
// The key words K0..K3 are set up once by NewCipher.
func (c *Cipher) snowInputs(count uint32) (k, iv *[4]uint32) {
	bd := uint32(c.cfg.Bearer)<<27 | uint32(c.cfg.Direction)<<26
	c.snowV = [4]uint32{bd, count, bd, count}
	return &c.snowK, &c.snowV
}

// ctrIV is the initial counter block of 128-NEA2 (TS 33.401 Annex B.1.3):
// COUNT‖BEARER‖DIRECTION‖0^26‖0^64.
func (c *Cipher) ctrIV(count uint32) []byte {
	iv := make([]byte, 16)
	binary.BigEndian.PutUint32(iv, count)
	iv[4] = c.cfg.Bearer<<3 | c.cfg.Direction<<2
	return iv
}

// zucIV is the IV of 128-NEA3 (TS 35.221 §3.3): IV[0..3] = COUNT,
// IV[4] = BEARER‖DIRECTION‖00, IV[5..7] = 0, IV[8..15] = IV[0..7].
func (c *Cipher) zucIV(count uint32) *[16]byte {
	iv := &c.iv
	*iv = [16]byte{}
	binary.BigEndian.PutUint32(iv[:], count)
	iv[4] = c.cfg.Bearer<<3 | c.cfg.Direction<<2
	copy(iv[8:], iv[:8])
	return iv
}

// ErrLength reports a message slice shorter than its announced bit length.
var ErrLength = errors.New("nea: message shorter than its bit length")

// XOR enciphers (or deciphers) the first nbits bits of src with COUNT count
// and writes ceil(nbits/8) bytes into dst[:0], growing it only when its
// capacity is short, and returns it. Unused low bits of the last byte are
// cleared. dst and src may be the same slice. XOR does not allocate for
// NEA0/1/3 when dst has capacity (NEA2 allocates the CTR state).
func (c *Cipher) XOR(dst, src []byte, count uint32, nbits int) ([]byte, error) {
	nb := (nbits + 7) / 8
	if nbits < 0 || len(src) < nb {
		return dst[:0], ErrLength
	}
	out := slices.Grow(dst[:0], nb)[:nb]
	switch c.cfg.Algorithm {
	case NEA1:
		c.ws.zuc = nil
		if c.ws.snow == nil {
			c.ws.snow = new(snow3g.Generator)
		}
		c.ws.snow.Reset(c.snowInputs(count))
		c.ws.pos = len(c.ws.buf)
		c.ws.XORKeyStream(out, src[:nb])
	case NEA3:
		c.ws.snow = nil
		if c.ws.zuc == nil {
			c.ws.zuc = new(zuc.Generator)
		}
		c.ws.zuc.Reset((*[16]byte)(c.cfg.Key), c.zucIV(count))
		c.ws.pos = len(c.ws.buf)
		c.ws.XORKeyStream(out, src[:nb])
	default:
		c.Stream(count).XORKeyStream(out, src[:nb])
	}
	clearTail(out, nbits)
	return out, nil
}

// XORBits XORs the first nbits bits of src with the next bits of s and writes
// ceil(nbits/8) bytes into dst[:0] (growing it only when its capacity is
// short), clearing the unused low bits of the last byte.
func XORBits(dst []byte, s cipher.Stream, src []byte, nbits int) ([]byte, error) {
	nb := (nbits + 7) / 8
	if nbits < 0 || len(src) < nb {
		return dst[:0], ErrLength
	}
	out := slices.Grow(dst[:0], nb)[:nb]
	s.XORKeyStream(out, src[:nb])
	clearTail(out, nbits)
	return out, nil
}

// OutLen reports the output bytes for an nbits-bit message (a 1:1 rate in bits).
func OutLen(nbits int) int { return (nbits + 7) / 8 }

func clearTail(b []byte, nbits int) {
	if r := nbits % 8; r != 0 {
		b[len(b)-1] &= 0xff << (8 - r)
	}
}

// wordStream turns a word generator into a cipher.Stream, buffering one
// block of keystream bytes so that calls may split anywhere.
type wordStream struct {
	snow *snow3g.Generator
	zuc  *zuc.Generator
	buf  [512]byte
	pos  int
}

func (w *wordStream) XORKeyStream(dst, src []byte) {
	if len(dst) < len(src) {
		panic("nea: output smaller than input")
	}
	// Fast path while no buffered keystream is pending: 16 words are XORed
	// straight from registers, 8 bytes at a time, skipping the byte buffer.
	if w.pos == len(w.buf) {
		var z [16]uint32
		for len(src) >= 64 {
			if w.snow != nil {
				w.snow.Keystream(z[:])
			} else {
				w.zuc.Keystream(z[:])
			}
			d, s := dst[:64], src[:64]
			for i := range 8 {
				k := uint64(z[2*i])<<32 | uint64(z[2*i+1])
				binary.BigEndian.PutUint64(d[8*i:], binary.BigEndian.Uint64(s[8*i:])^k)
			}
			dst, src = dst[64:], src[64:]
		}
	}
	for len(src) > 0 {
		if w.pos == len(w.buf) {
			// Generate only the words this call needs (short packets would
			// otherwise pay for a full buffer), right-aligned in buf.
			n := min(len(w.buf), (len(src)+3)&^3)
			w.pos = len(w.buf) - n
			if w.snow != nil {
				w.snow.KeystreamBytes(w.buf[w.pos:])
			} else {
				w.zuc.KeystreamBytes(w.buf[w.pos:])
			}
		}
		n := subtle.XORBytes(dst, src, w.buf[w.pos:])
		w.pos += n
		dst, src = dst[n:], src[n:]
	}
}

// nullStream is 128-NEA0: the keystream is all zeros (TS 33.501 Annex D.1).
type nullStream struct{}

func (nullStream) XORKeyStream(dst, src []byte) {
	if len(dst) < len(src) {
		panic("nea: output smaller than input")
	}
	copy(dst, src)
}
