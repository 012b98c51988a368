package nea

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestErrorPropagation checks the measurement against closed-form values.
// CTR: every ciphertext bit error is exactly one plaintext bit error.
// CBC with one flip uniformly placed in nb blocks: the hit block decrypts to
// an independent random block (Binomial(128, 1/2) errors: mean 64, variance
// 32) and, unless it is the last block, one bit of the next block flips; so
// the mean is 64 + (nb−1)/nb, and over T trials its standard error is
// sqrt(32/T). The tolerance is 5 standard errors.
func TestErrorPropagation(t *testing.T) {
	trials := 2000
	if testing.Short() {
		trials = 300
	}
	const msgBytes = 208 // 13 AES blocks: the 196-byte image budget rounded up
	rng := rand.New(rand.NewPCG(6, 1))

	ctr, err := ErrorPropagation(CTR, msgBytes, 1, trials, rng)
	if err != nil {
		t.Fatal(err)
	}
	if ctr.PlainBitErrors != ctr.CipherBitErrors {
		t.Errorf("CTR: %d plaintext errors for %d ciphertext errors, want equal", ctr.PlainBitErrors, ctr.CipherBitErrors)
	}
	ctr8, _ := ErrorPropagation(CTR, msgBytes, 8, trials/10, rng)
	if ctr8.PerCipherError != 1 {
		t.Errorf("CTR with 8 flips: ratio %v, want 1", ctr8.PerCipherError)
	}

	cbc, err := ErrorPropagation(CBC, msgBytes, 1, trials, rng)
	if err != nil {
		t.Fatal(err)
	}
	nb := float64(msgBytes / 16)
	want := 64 + (nb-1)/nb
	tol := 5 * math.Sqrt(32/float64(trials))
	if math.Abs(cbc.PerCipherError-want) > tol {
		t.Errorf("CBC: %.3f plaintext errors per ciphertext error, want %.3f ± %.3f", cbc.PerCipherError, want, tol)
	}
	t.Logf("%s: %.3f, %s: %.3f plaintext bit errors per ciphertext bit error (%d-byte messages, %d trials)",
		ctr.Mode, ctr.PerCipherError, cbc.Mode, cbc.PerCipherError, msgBytes, trials)
}

func TestErrorPropagationErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		name                 string
		mode                 Mode
		bytes, flips, trials int
	}{
		{"cbc partial block", CBC, 20, 1, 1},
		{"no trials", CTR, 16, 1, 0},
		{"too many flips", CTR, 2, 17, 1},
		{"zero flips", CTR, 2, 0, 1},
		{"mode", Mode(9), 16, 1, 1},
	} {
		if _, err := ErrorPropagation(tc.mode, tc.bytes, tc.flips, tc.trials, rng); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
