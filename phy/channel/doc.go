// Package channel owns the channel models of the link-level simulator:
// additive white Gaussian noise with the SNR convention of DESIGN.md §3,
// flat Rayleigh and Rician fading (block or time-varying with a Clarke/Jakes
// sum-of-sinusoids Doppler process), the tapped-delay-line models TDL-A/B/C
// of 3GPP TR 38.901 §7.7.2 scaled by a delay spread and a sample rate, and a
// carrier frequency offset. It also owns the fast seeded Gaussian generator
// (Normal) the noise comes from.
//
// Every model draws its randomness from a *rand.Rand (math/rand/v2) given at
// construction, so runs are reproducible; Clone returns an independent copy
// for another worker, seeded from the original's generator (so clones made
// in the same order are the same on every run). A model is not safe for
// concurrent use.
//
// Every model is a 1:1 stream kernel over complex64 samples (CONVENTIONS
// §5): Apply writes len(src) samples into dst[:0], growing it only when its
// capacity is short, and dst may alias src (in-place use). Models with
// memory (fading processes, TDL delay lines, CFO phase) continue across
// calls, so a stream may be passed in frames of any length. The noise
// variance is a call argument: AWGN.Apply(dst, src, n0) with
// n0 = units.N0(esn0), the complex noise variance for unit signal power.
//
// It imports the standard library, internal/units and internal/vec.
package channel
