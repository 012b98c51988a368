// Package qam owns the digital constellations of the modem: the bit-to-symbol
// mappings of 3GPP TS 38.211 §5.1 (BPSK, π/2-BPSK, QPSK, 16-, 64- and
// 256-QAM, unit average energy), custom constellations given as points in
// bit-label order, hard decisions, and soft demapping to max-log or exact
// log-likelihood ratios given the complex noise variance N0.
//
// Bits travel one per byte (values 0 or 1). Within a symbol the first bit is
// b(i) of TS 38.211 §5.1, which is also the most significant bit of the
// symbol's label: label = b0·2^(m−1) + … + b(m−1).
//
// LLR sign convention: L = ln P(b=0|y) − ln P(b=1|y), so a positive LLR
// favours bit 0 (0 maps to +1 in BPSK). The channel model behind the LLRs is
// y = x + n with circular complex Gaussian n of variance N0 (N0/2 per real
// dimension), DESIGN.md §3.
//
// π/2-BPSK rotates symbol i by j^(i mod 2); the index i restarts at 0 on every
// Map, LLR or Decide call, i.e. each call is one frame. Pass whole frames.
//
// The kernels follow CONVENTIONS §5: Map, Decide and the Demapper write into
// dst[:0], growing it only when capacity is short, never allocate otherwise,
// and return an error for bad input (bits other than 0/1, lengths that are
// not whole symbols, non-positive noise variance). dst must not alias src.
// A Constellation is immutable and safe for concurrent use.
//
// It imports the standard library and internal/vec only.
package qam
