// Package conformance holds shared test suites for interfaces with several
// implementations, run from each implementation's tests the way gonum runs
// testlapack against every LAPACK (CONVENTIONS.md §15):
//
//   - StreamSuite checks the crypto/cipher.Stream contract (modelled on the
//     Go standard library's crypto/internal/cryptotest stream tests).
//   - HashSuite checks the hash.Hash contract.
//   - KeystreamSuite checks word-oriented keystream generators (SNOW 3G,
//     ZUC) against known words and for split, clone and allocation behaviour.
//   - KernelSuite checks the stream-kernel contract of CONVENTIONS.md §5/§17
//     (declared rate, src untouched and not retained, dst reused, no
//     allocations) for any func(dst []Out, src []In) ([]Out, error).
//
// It is imported only by _test.go files and imports the standard library only.
// All randomness comes from fixed seeds, so a failure reproduces exactly.
package conformance
