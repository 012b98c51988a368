package paillier_test

import (
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/hesemcom/hesemcom/app/paillier"
)

// Encrypt two pixel values, add them and scale the sum on ciphertexts, and
// decrypt the result. The seeded reader and the 512-bit key are for a
// reproducible example only; use crypto/rand.Reader and Preset2048 or larger.
func Example() {
	random := rand.NewChaCha8([32]byte{1})
	sk, err := paillier.GenerateKey(random, paillier.TestInsecure512)
	if err != nil {
		panic(err)
	}
	pk := sk.Public()
	a, _ := pk.Encrypt(random, big.NewInt(20))
	b, _ := pk.Encrypt(random, big.NewInt(22))
	ev := pk.NewEvaluator()
	sum := ev.Add(new(paillier.Ciphertext), a, b)
	scaled, _ := ev.MulScalar(new(paillier.Ciphertext), sum, big.NewInt(3))
	m, _ := sk.Decrypt(scaled)
	fmt.Println(m)
	// Output: 126
}
