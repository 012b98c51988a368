package paillier

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"
)

// testReader returns a deterministic byte stream for reproducible tests.
func testReader(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return rand.NewChaCha8(s)
}

var (
	keyOnce           sync.Once
	testKey, otherKey *PrivateKey
)

// testInsecureKeys returns two fixed 512-bit key pairs (insecure, tests only).
func testInsecureKeys(t testing.TB) (*PrivateKey, *PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if testKey, err = GenerateKey(testReader(1), TestInsecure512); err != nil {
			panic(err)
		}
		if otherKey, err = GenerateKey(testReader(2), TestInsecure512); err != nil {
			panic(err)
		}
	})
	return testKey, otherKey
}

func randBelow(r *rand.Rand, n *big.Int) *big.Int {
	buf := make([]byte, (n.BitLen()+7)/8+8)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	return new(big.Int).Mod(new(big.Int).SetBytes(buf), n)
}

// textbookDecrypt is Paillier's original decryption m = L(c^λ mod n²)·μ mod n
// with λ = lcm(p−1, q−1), μ = L(g^λ mod n²)^{-1}: independent of the CRT path.
func textbookDecrypt(sk *PrivateKey, ct *Ciphertext) *big.Int {
	gcd := new(big.Int).GCD(nil, nil, sk.pm1, sk.qm1)
	lambda := new(big.Int).Mul(sk.pm1, sk.qm1)
	lambda.Quo(lambda, gcd)
	L := func(u *big.Int) *big.Int { return new(big.Int).Quo(new(big.Int).Sub(u, one), sk.n) }
	g := new(big.Int).Add(sk.n, one)
	mu := L(new(big.Int).Exp(g, lambda, sk.n2))
	mu.ModInverse(mu, sk.n)
	m := L(new(big.Int).Exp(&ct.c, lambda, sk.n2))
	return m.Mul(m, mu).Mod(m, sk.n)
}

func TestGenerateKeyDeterministicAndValid(t *testing.T) {
	sk, _ := testInsecureKeys(t)
	again, err := GenerateKey(testReader(1), TestInsecure512)
	if err != nil {
		t.Fatal(err)
	}
	if sk.n.Cmp(again.n) != 0 || sk.hs.Cmp(again.hs) != 0 {
		t.Fatal("same seed gave a different key")
	}
	if sk.Bits() != 512 || !sk.p.ProbablyPrime(20) || !sk.q.ProbablyPrime(20) {
		t.Fatalf("bad key: %d bits", sk.Bits())
	}
	for _, bits := range []int{0, 256, 511, 513} {
		if _, err := GenerateKey(testReader(3), bits); !errors.Is(err, ErrKeySize) {
			t.Errorf("GenerateKey(%d): err = %v, want ErrKeySize", bits, err)
		}
	}
}

func TestEncryptDecrypt(t *testing.T) {
	sk, _ := testInsecureKeys(t)
	pk := sk.Public()
	nm1 := new(big.Int).Sub(pk.n, one)
	r := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name string
		m    *big.Int
	}{
		{"zero", big.NewInt(0)},
		{"one", big.NewInt(1)},
		{"n-1", nm1},
		{"pixel255", big.NewInt(255)},
		{"random", randBelow(r, pk.n)},
		{"random2", randBelow(r, pk.n)},
	}
	rd := testReader(10)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, err := pk.Encrypt(rd, tt.m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sk.Decrypt(ct)
			if err != nil {
				t.Fatal(err)
			}
			if got.Cmp(tt.m) != 0 {
				t.Fatalf("Decrypt = %v, want %v", got, tt.m)
			}
			if tb := textbookDecrypt(sk, ct); tb.Cmp(tt.m) != 0 {
				t.Fatalf("textbook decryption = %v, want %v", tb, tt.m)
			}
		})
	}
}

// TestEncryptMatchesDefinition checks the g = n+1 shortcut and the DJN table
// against the definitions computed with plain modular exponentiation.
func TestEncryptMatchesDefinition(t *testing.T) {
	sk, _ := testInsecureKeys(t)
	pk := sk.Public()
	m := big.NewInt(123456789)
	r := big.NewInt(987654321)
	rz, err := pk.RandomizerFromNonce(r)
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := pk.EncryptWith(m, rz)
	g := new(big.Int).Add(pk.n, one)
	want := new(big.Int).Exp(g, m, pk.n2)
	want.Mul(want, new(big.Int).Exp(r, pk.n, pk.n2)).Mod(want, pk.n2)
	if ct.c.Cmp(want) != 0 {
		t.Fatal("EncryptWith differs from g^m·r^n mod n²")
	}
	// DJN randomiser: hs^α with α the first ⌈|n|/2⌉ bits read.
	rd1, rd2 := testReader(7), testReader(7)
	rn, err := pk.NewRandomizer(rd1)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, (pk.alphaB+7)/8)
	rd2.Read(buf)
	alpha := new(big.Int).SetBytes(buf)
	if alpha.BitLen() > pk.alphaB {
		t.Fatalf("test reads %d-bit α", alpha.BitLen())
	}
	if rn.rn.Cmp(new(big.Int).Exp(pk.hs, alpha, pk.n2)) != 0 {
		t.Fatal("fixed-base table differs from hs^α")
	}
	if _, err := pk.RandomizerFromNonce(pk.n); !errors.Is(err, ErrPlaintextRange) {
		t.Fatalf("nonce n accepted: %v", err)
	}
}

func TestHomomorphicIdentities(t *testing.T) {
	sk, _ := testInsecureKeys(t)
	pk := sk.Public()
	ev := pk.NewEvaluator()
	r := rand.New(rand.NewPCG(2, 2))
	rd := testReader(11)
	enc := func(m *big.Int) *Ciphertext {
		ct, err := pk.Encrypt(rd, m)
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	dec := func(ct *Ciphertext) *big.Int {
		m, err := sk.Decrypt(ct)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	mod := func(x *big.Int) *big.Int { return new(big.Int).Mod(x, pk.n) }
	for trial := range 8 {
		a, b := randBelow(r, pk.n), randBelow(r, pk.n)
		k := new(big.Int).Sub(randBelow(r, big.NewInt(1<<40)), big.NewInt(1<<39))
		ca, cb := enc(a), enc(b)
		t.Run(fmt.Sprint("trial", trial), func(t *testing.T) {
			if got := dec(ev.Add(&Ciphertext{}, ca, cb)); got.Cmp(mod(new(big.Int).Add(a, b))) != 0 {
				t.Error("Add")
			}
			d, err := ev.Sub(&Ciphertext{}, ca, cb)
			if err != nil || dec(d).Cmp(mod(new(big.Int).Sub(a, b))) != 0 {
				t.Error("Sub", err)
			}
			ng, err := ev.Neg(&Ciphertext{}, ca)
			if err != nil || dec(ng).Cmp(mod(new(big.Int).Neg(a))) != 0 {
				t.Error("Neg", err)
			}
			ks, err := ev.MulScalar(&Ciphertext{}, ca, k)
			if err != nil || dec(ks).Cmp(mod(new(big.Int).Mul(a, k))) != 0 {
				t.Errorf("MulScalar(k=%v) %v", k, err)
			}
			if got := dec(ev.MulPow2(&Ciphertext{}, ca, 37)); got.Cmp(mod(new(big.Int).Lsh(a, 37))) != 0 {
				t.Error("MulPow2")
			}
			ap, err := ev.AddPlain(&Ciphertext{}, ca, b)
			if err != nil || dec(ap).Cmp(mod(new(big.Int).Add(a, b))) != 0 {
				t.Error("AddPlain", err)
			}
			// Aliasing: dst = a.
			cc := new(Ciphertext).Set(ca)
			ev.Add(cc, cc, cb)
			if dec(cc).Cmp(mod(new(big.Int).Add(a, b))) != 0 {
				t.Error("Add with dst aliasing a")
			}
		})
	}
	t.Run("MulScalarZero", func(t *testing.T) {
		z, _ := ev.MulScalar(&Ciphertext{}, enc(big.NewInt(77)), big.NewInt(0))
		if dec(z).Sign() != 0 {
			t.Error("0·m ≠ 0")
		}
	})
	t.Run("SignedEncoding", func(t *testing.T) {
		for _, v := range []int64{-1, -255, 0, 255, -(1 << 62)} {
			m, err := pk.Encode(big.NewInt(v))
			if err != nil {
				t.Fatal(err)
			}
			sum := ev.Add(&Ciphertext{}, enc(m), enc(big.NewInt(10)))
			if got := pk.DecodeSigned(dec(sum)); got.Int64() != v+10 {
				t.Errorf("signed %d+10 decoded as %v", v, got)
			}
		}
		half := new(big.Int).Rsh(pk.n, 1)
		if _, err := pk.Encode(half); !errors.Is(err, ErrPlaintextRange) {
			t.Errorf("Encode(n/2) err = %v", err)
		}
	})
	t.Run("MultiExp", func(t *testing.T) {
		var bases []*Ciphertext
		var ws []*big.Int
		want := new(big.Int)
		for i := range 7 {
			m := big.NewInt(int64(50 * i))
			w := big.NewInt(int64([]int{1, 6, 15, 20, 15, 6, 1}[i]))
			bases = append(bases, enc(m))
			ws = append(ws, w)
			want.Add(want, new(big.Int).Mul(m, w))
		}
		got, err := ev.MultiExp(&Ciphertext{}, bases, ws)
		if err != nil || dec(got).Cmp(want) != 0 {
			t.Fatalf("MultiExp = %v, want %v (%v)", dec(got), want, err)
		}
		if _, err := ev.MultiExp(&Ciphertext{}, bases, ws[:3]); !errors.Is(err, ErrLengthMismatch) {
			t.Errorf("length mismatch err = %v", err)
		}
		ws[2] = big.NewInt(-1)
		if _, err := ev.MultiExp(&Ciphertext{}, bases, ws); !errors.Is(err, ErrNegativeWeight) {
			t.Errorf("negative weight err = %v", err)
		}
	})
	t.Run("NegBatch", func(t *testing.T) {
		var src, dst []*Ciphertext
		for i := range 9 {
			src = append(src, enc(big.NewInt(int64(i*i+1))))
			dst = append(dst, &Ciphertext{})
		}
		if err := ev.NegBatch(dst, src); err != nil {
			t.Fatal(err)
		}
		for i := range src {
			if got := pk.DecodeSigned(dec(dst[i])); got.Int64() != -int64(i*i+1) {
				t.Errorf("NegBatch[%d] = %v", i, got)
			}
		}
		if err := ev.NegBatch(src, src); err != nil { // in place
			t.Fatal(err)
		}
		if got := pk.DecodeSigned(dec(src[3])); got.Int64() != -10 {
			t.Errorf("in-place NegBatch[3] = %v", got)
		}
	})
}

func TestBadInputs(t *testing.T) {
	sk, other := testInsecureKeys(t)
	pk := sk.Public()
	rd := testReader(12)
	for _, m := range []*big.Int{big.NewInt(-1), pk.N(), new(big.Int).Add(pk.n, one)} {
		if _, err := pk.Encrypt(rd, m); !errors.Is(err, ErrPlaintextRange) {
			t.Errorf("Encrypt(%v): err = %v", m, err)
		}
		if _, err := pk.Trivial(m); !errors.Is(err, ErrPlaintextRange) {
			t.Errorf("Trivial(%v): err = %v", m, err)
		}
	}
	malformed := map[string]*big.Int{
		"zero":       big.NewInt(0),
		"n²":         pk.N2(),
		"multiple p": new(big.Int).Set(sk.p),
		"multiple q": new(big.Int).Mul(sk.q, big.NewInt(3)),
	}
	for name, c := range malformed {
		ct := &Ciphertext{}
		ct.c.Set(c)
		if _, err := sk.Decrypt(ct); !errors.Is(err, ErrCiphertext) {
			t.Errorf("Decrypt(%s): err = %v", name, err)
		}
		if err := pk.CheckCiphertext(ct); !errors.Is(err, ErrCiphertext) {
			t.Errorf("CheckCiphertext(%s): err = %v", name, err)
		}
	}
	// Wrong key: a ciphertext under another key of the same size decrypts
	// without error (Paillier carries no integrity) to an unrelated value.
	m := big.NewInt(42)
	ct, _ := other.Public().Encrypt(rd, m)
	if ct.c.Cmp(pk.n2) < 0 && pk.CheckCiphertext(ct) == nil {
		got, err := sk.Decrypt(ct)
		if err != nil {
			t.Fatalf("wrong-key decrypt error: %v", err)
		}
		if got.Cmp(m) == 0 {
			t.Fatal("wrong key recovered the plaintext")
		}
	}
}

func TestSerialisation(t *testing.T) {
	sk, _ := testInsecureKeys(t)
	pk := sk.Public()
	pb, _ := pk.MarshalBinary()
	pk2, err := ParsePublicKey(pb)
	if err != nil || pk2.n.Cmp(pk.n) != 0 || pk2.hs.Cmp(pk.hs) != 0 {
		t.Fatalf("public key round trip: %v", err)
	}
	sb, _ := sk.MarshalBinary()
	sk2, err := ParsePrivateKey(sb)
	if err != nil || sk2.n.Cmp(sk.n) != 0 {
		t.Fatalf("private key round trip: %v", err)
	}
	ct, _ := pk2.Encrypt(testReader(13), big.NewInt(99))
	enc := pk.AppendCiphertext(nil, ct)
	if len(enc) != pk.CiphertextSize() {
		t.Fatalf("ciphertext size %d, want %d", len(enc), pk.CiphertextSize())
	}
	ct2, err := pk.ParseCiphertext(enc)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := sk2.Decrypt(ct2); m.Int64() != 99 {
		t.Fatalf("decrypted %v", m)
	}
	bad := map[string][]byte{
		"empty":      nil,
		"magic":      append([]byte("XXXX"), pb[4:]...),
		"truncated":  pb[:len(pb)-3],
		"trailing":   append(bytes.Clone(pb), 0),
		"zero field": append([]byte("PPK1"), 0, 0, 0, 0),
	}
	for name, b := range bad {
		if _, err := ParsePublicKey(b); !errors.Is(err, ErrKey) {
			t.Errorf("ParsePublicKey(%s): err = %v", name, err)
		}
	}
	// A private key whose "prime" is composite is rejected.
	comp := []byte("PSK1")
	comp = appendField(comp, new(big.Int).Mul(sk.p, big.NewInt(3)))
	comp = appendField(comp, sk.q)
	comp = appendField(comp, sk.hs)
	if _, err := ParsePrivateKey(comp); !errors.Is(err, ErrKey) {
		t.Errorf("composite p accepted: %v", err)
	}
	if _, err := pk.ParseCiphertext(enc[1:]); !errors.Is(err, ErrCiphertext) {
		t.Errorf("short ciphertext: %v", err)
	}
	if _, err := pk.ParseCiphertext(make([]byte, len(enc))); !errors.Is(err, ErrCiphertext) {
		t.Errorf("zero ciphertext: %v", err)
	}
}

func FuzzParsePublicKey(f *testing.F) {
	sk, _ := testInsecureKeys(f)
	pb, _ := sk.Public().MarshalBinary()
	f.Add(pb)
	f.Add([]byte("PPK1"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := ParsePublicKey(b)
		if err != nil {
			return
		}
		again, _ := pk.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatal("accepted key does not re-encode identically")
		}
	})
}

func FuzzParsePrivateKey(f *testing.F) {
	sk, _ := testInsecureKeys(f)
	sb, _ := sk.MarshalBinary()
	f.Add(sb)
	f.Add([]byte("PSK1\x00\x00\x00\x01\x07\x00\x00\x00\x01\x0b\x00\x00\x00\x01\x02"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 2048 {
			return // primality tests on huge fields only slow the fuzzer down
		}
		if _, err := ParsePrivateKey(b); err != nil && !errors.Is(err, ErrKey) {
			t.Fatalf("unexpected error class: %v", err)
		}
	})
}

func FuzzParseCiphertext(f *testing.F) {
	sk, _ := testInsecureKeys(f)
	pk := sk.Public()
	ct, _ := pk.Encrypt(testReader(14), big.NewInt(5))
	f.Add(pk.AppendCiphertext(nil, ct))
	f.Add(make([]byte, pk.CiphertextSize()))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := pk.ParseCiphertext(b)
		if err != nil {
			return
		}
		if _, err := sk.Decrypt(c); err != nil {
			t.Fatalf("parsed ciphertext does not decrypt: %v", err)
		}
	})
}

func TestNewRandomizersIndependentOfWorkers(t *testing.T) {
	sk, _ := testInsecureKeys(t)
	pk := sk.Public()
	one, err := pk.NewRandomizers(testReader(20), 9, 1)
	if err != nil {
		t.Fatal(err)
	}
	three, _ := pk.NewRandomizers(testReader(20), 9, 3)
	single, _ := pk.NewRandomizer(testReader(20))
	for i := range one {
		if one[i].rn.Cmp(&three[i].rn) != 0 {
			t.Fatalf("randomiser %d depends on the worker count", i)
		}
	}
	if one[0].rn.Cmp(&single.rn) != 0 {
		t.Fatal("batch and single randomisers disagree on the same stream")
	}
}

// TestEvaluatorNoAllocs: the per-tap operations of an encrypted blur reuse
// the Evaluator's scratch and dst's storage (convention 17).
func TestEvaluatorNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	sk, _ := testInsecureKeys(t)
	pk := sk.Public()
	ev := pk.NewEvaluator()
	a, _ := pk.Encrypt(testReader(30), big.NewInt(3))
	b, _ := pk.Encrypt(testReader(31), big.NewInt(4))
	dst := ev.Add(&Ciphertext{}, a, b)
	ev.MulPow2(dst, a, 8)
	if n := testing.AllocsPerRun(100, func() { ev.Add(dst, a, b) }); n != 0 {
		t.Errorf("Add allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { ev.MulPow2(dst, a, 8) }); n != 0 {
		t.Errorf("MulPow2 allocates %v times", n)
	}
}
