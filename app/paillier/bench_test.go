package paillier

import (
	"math/big"
	"sync"
	"testing"
)

var (
	benchOnce sync.Once
	benchKey  *PrivateKey
)

// benchKey2048 is a deterministic 2048-bit key (Preset2048) for benchmarks.
func benchKey2048(b *testing.B) *PrivateKey {
	b.Helper()
	benchOnce.Do(func() {
		var err error
		if benchKey, err = GenerateKey(testReader(99), Preset2048); err != nil {
			panic(err)
		}
		benchKey.Precompute()
	})
	return benchKey
}

func BenchmarkEncryptDJN2048(b *testing.B) {
	sk := benchKey2048(b)
	pk := sk.Public()
	rd := testReader(1)
	m := big.NewInt(200)
	for b.Loop() {
		if _, err := pk.Encrypt(rd, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enc/s")
}

// BenchmarkEncryptTextbook2048 is r^n with a full |n|-bit exponent: the cost
// DJN's fixed-base short exponent replaces.
func BenchmarkEncryptTextbook2048(b *testing.B) {
	sk := benchKey2048(b)
	pk := sk.Public()
	r := new(big.Int).Sub(pk.n, big.NewInt(12345))
	m := big.NewInt(200)
	for b.Loop() {
		rz, err := pk.RandomizerFromNonce(r)
		if err != nil {
			b.Fatal(err)
		}
		pk.EncryptWith(m, rz)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enc/s")
}

func BenchmarkEncryptPrecomputed2048(b *testing.B) {
	sk := benchKey2048(b)
	pk := sk.Public()
	rz, _ := pk.NewRandomizer(testReader(2))
	m := big.NewInt(200)
	for b.Loop() {
		pk.EncryptWith(m, rz)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enc/s")
}

func BenchmarkDecrypt2048(b *testing.B) {
	sk := benchKey2048(b)
	ct, _ := sk.Public().Encrypt(testReader(3), big.NewInt(200))
	d := sk.NewDecrypter()
	m := new(big.Int)
	for b.Loop() {
		if err := d.Decrypt(m, ct); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "dec/s")
}

// BenchmarkAdd2048 is one multiplication modulo n² (4096 bits): the unit cost
// of every homomorphic blur tap.
func BenchmarkAdd2048(b *testing.B) {
	sk := benchKey2048(b)
	pk := sk.Public()
	x, _ := pk.Encrypt(testReader(4), big.NewInt(1))
	y, _ := pk.Encrypt(testReader(5), big.NewInt(2))
	ev := pk.NewEvaluator()
	dst := &Ciphertext{}
	for b.Loop() {
		ev.Add(dst, x, y)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mulmod/s")
}

// BenchmarkMultiExp2048 evaluates a 9-tap binomial blur (weights C(8,k)).
func BenchmarkMultiExp2048(b *testing.B) {
	sk := benchKey2048(b)
	pk := sk.Public()
	var bases []*Ciphertext
	var ws []*big.Int
	for i, w := range []int64{1, 8, 28, 56, 70, 56, 28, 8, 1} {
		c, _ := pk.Encrypt(testReader(uint64(10+i)), big.NewInt(int64(i)))
		bases = append(bases, c)
		ws = append(ws, big.NewInt(w))
	}
	ev := pk.NewEvaluator()
	dst := &Ciphertext{}
	for b.Loop() {
		if _, err := ev.MultiExp(dst, bases, ws); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "taps9/s")
}
