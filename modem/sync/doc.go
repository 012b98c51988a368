// Package sync owns burst synchronisation for single-carrier recordings: a
// known preamble, frame start detection at an unknown offset, carrier
// frequency offset (CFO) estimation and correction, and the carrier phase
// resolved by the known preamble and tracked by pilot symbols, so that a
// receiver finds and decodes frames in a recording that starts anywhere.
//
// Burst layout in symbols (Synchronizer.Burst):
//
//	[ preamble, N symbols ][ P data ][ pilot ][ P data ][ pilot ] … [ ≤P data ][ pilot ]
//
// The preamble is a maximal-length sequence (the IEEE 802.11 scrambler
// sequence for N = 127) in BPSK on the diagonal as TS 38.211 §5.1.2 maps
// it. A Zadoff–Chu preamble was tried first and rejected: a ZC sequence
// shifted by k symbols equals the sequence times a tone of u·k/N cycles per
// symbol, so a detector that must tolerate CFO cannot tell a timing error
// from a frequency offset (it locked 5–60 symbols early in the tests). An
// m-sequence has a thumbtack ambiguity function: no such coupling. Pilots
// are the fixed symbol 1; each block of up to P data symbols is followed by
// one, so the burst always ends with a pilot.
//
// The receiver works on the matched-filter output at SPS samples per symbol
// (not decimated, so it can pick the sampling phase):
//
//  1. Detect: the correlation with the preamble is split into D segments
//     combined non-coherently, m(n) = (Σ_d |c_d(n)|)² / (N·E_y(n)) ∈ [0, 1]
//     (Cauchy–Schwarz), so a CFO that turns the whole preamble several times
//     still leaves each segment coherent. The maximum of m within half a
//     preamble after the first threshold crossing is the frame start.
//  2. CFO: the phase step between consecutive segment correlations, first
//     with segments of N/16 symbols (wide range), then of N/4 (accuracy).
//  3. Timing: at SPS ≥ 2 a parabola through the correlation magnitudes at
//     the peak and its two neighbours gives the fractional part of the
//     timing (Detection.Frac), refined once by a parabola through
//     interpolated correlations ±1/4 sample around it; the stream is then
//     read between samples by a windowed-sinc interpolator of 16 taps.
//  4. Gain: the coherent correlation over the CFO-corrected preamble gives
//     the complex channel gain h, amplitude and absolute phase: the known
//     preamble leaves no phase ambiguity (unlike blind QAM phase recovery,
//     which is ambiguous by multiples of 90°).
//  5. Symbols: data samples are de-rotated by the CFO and divided by h; the
//     residual phase (residual CFO, drift) is taken from sliding averages of
//     2W+1 pilots and interpolated linearly between pilots.
//
// CFORange reports the tolerated CFO: a quarter turn per detection segment,
// 1/(4·⌈N/D⌉) cycles per symbol (1/64 for the defaults).
//
// A Synchronizer is immutable after New; one value serves many goroutines.
//
// Imports: std only.
package sync
