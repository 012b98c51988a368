package nea

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// Mode selects the cipher mode of an error-propagation measurement.
type Mode uint8

const (
	// CTR is 128-NEA2: AES-128 in counter mode, a stream cipher, so a
	// ciphertext bit error flips exactly the same plaintext bit.
	CTR Mode = iota
	// CBC is AES-128-CBC: a ciphertext bit error garbles its whole plaintext
	// block (about 64 of 128 bits) and flips one bit of the next block.
	CBC
)

func (m Mode) String() string {
	switch m {
	case CTR:
		return "NEA2-CTR"
	case CBC:
		return "AES-CBC"
	}
	return fmt.Sprintf("Mode(%d)", m)
}

// Propagation is the result of ErrorPropagation.
type Propagation struct {
	Mode            string  `json:"mode"`
	MessageBytes    int     `json:"message_bytes"`
	Trials          int     `json:"trials"`
	CipherBitErrors int     `json:"cipher_bit_errors"`
	PlainBitErrors  int     `json:"plain_bit_errors"`
	PerCipherError  float64 `json:"plain_errors_per_cipher_error"` // PlainBitErrors / CipherBitErrors
}

// ErrorPropagation measures the "avalanche effect" of a cipher mode on a
// noisy link: for each of trials messages of msgBytes random bytes (random
// key, COUNT/IV), it enciphers, flips flips distinct random ciphertext bits,
// deciphers, and counts plaintext bit errors. All randomness, keys included,
// comes from rng, so a run reproduces exactly (a measurement, not a key
// generator). For CBC, msgBytes must be a multiple of 16 (no padding).
func ErrorPropagation(mode Mode, msgBytes, flips, trials int, rng *rand.Rand) (Propagation, error) {
	p := Propagation{Mode: mode.String(), MessageBytes: msgBytes, Trials: trials}
	switch {
	case mode > CBC:
		return p, fmt.Errorf("nea: unknown mode %d", mode)
	case msgBytes <= 0 || trials <= 0:
		return p, fmt.Errorf("nea: message bytes %d and trials %d must be positive", msgBytes, trials)
	case flips <= 0 || flips > 8*msgBytes:
		return p, fmt.Errorf("nea: flips %d outside 1..%d", flips, 8*msgBytes)
	case mode == CBC && msgBytes%aes.BlockSize != 0:
		return p, fmt.Errorf("nea: CBC message of %d bytes is not a whole number of blocks", msgBytes)
	}
	fill := func(b []byte) {
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
	}
	key := make([]byte, KeySize)
	iv := make([]byte, aes.BlockSize)
	pt := make([]byte, msgBytes)
	ct := make([]byte, msgBytes)
	back := make([]byte, msgBytes)
	for range trials {
		fill(key)
		fill(iv)
		fill(pt)
		block, err := aes.NewCipher(key)
		if err != nil {
			return p, err
		}
		switch mode {
		case CTR:
			c, _ := NewCipher(Config{Algorithm: NEA2, Key: key, Bearer: uint8(iv[4] & 31), Direction: iv[5] & 1})
			count := rng.Uint32()
			c.XOR(ct, pt, count, 8*msgBytes)
			flipBits(ct, flips, rng)
			c.XOR(back, ct, count, 8*msgBytes)
		case CBC:
			cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, pt)
			flipBits(ct, flips, rng)
			cipher.NewCBCDecrypter(block, iv).CryptBlocks(back, ct)
		}
		p.CipherBitErrors += flips
		for i := range pt {
			p.PlainBitErrors += bits.OnesCount8(pt[i] ^ back[i])
		}
	}
	p.PerCipherError = float64(p.PlainBitErrors) / float64(p.CipherBitErrors)
	return p, nil
}

// flipBits flips n distinct random bits of b.
func flipBits(b []byte, n int, rng *rand.Rand) {
	for _, i := range rng.Perm(8 * len(b))[:n] {
		b[i/8] ^= 0x80 >> (i % 8)
	}
}
