// Package paillier implements the Paillier public-key cryptosystem (Paillier,
// EUROCRYPT 1999) with g = n+1, CRT decryption, the additive homomorphism and
// the fast encryption of Damgård, Jurik and Nielsen (DJN, "A generalization of
// Paillier's public-key system with applications to electronic voting",
// IJIS 9(6), 2010, §4): the randomiser r^n is replaced by hs^α with
// hs = h^n mod n² fixed in the public key (h = −x² mod n) and α a random
// exponent of ⌈|n|/2⌉ bits, evaluated with a fixed-base window table.
//
// It owns keys (generation, validation, binary serialisation), encryption,
// decryption, homomorphic addition, subtraction, negation, multiplication by a
// plaintext scalar, batch negation (Montgomery's trick) and multi-exponentiation
// for weighted sums Σ wᵢ·mᵢ. Packed plaintexts (several small integers in one
// plaintext at fixed bit offsets) are the caller's business: the identities
// hold over the integers as long as no value wraps modulo n.
//
// Plaintexts are integers in [0, n); signed values v with |v| < n/2 are
// encoded as v mod n (Encode/DecodeSigned). Out-of-range plaintexts,
// malformed ciphertexts and malformed keys are returned errors, never panics.
//
// Randomness comes from an io.Reader given at each call: crypto/rand.Reader
// in production, a seeded deterministic reader in tests. An Evaluator holds
// scratch space and is not safe for concurrent use; Clone it per goroutine.
// Keys and ciphertexts are immutable after creation and safe to share.
//
// Security: 2048-bit n (Preset2048) gives about 112-bit security and 3072-bit
// n (Preset3072) about 128-bit (NIST SP 800-57 Part 1 Rev. 5, Table 2, for
// integer-factorisation cryptography). Smaller keys exist only for tests and
// are named as insecure. Paillier is IND-CPA only if every encryption uses
// fresh randomness; reusing the randomiser makes it deterministic.
//
// Imports: the standard library only.
package paillier
