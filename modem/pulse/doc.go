// Package pulse owns single-carrier pulse shaping: root-raised-cosine (RRC)
// filter design, the interpolating pulse shaper (1:SPS) and the matched
// filter/decimator (SPS:1), both polyphase FIRs over complex64 samples with
// real taps.
//
// Scaling convention: RRC taps have unit energy (Σh² = 1). A shaper fed with
// unit-energy symbols then produces samples of average power 1/SPS, and the
// cascade shaper → matched filter returns each symbol with gain 1 at the
// ideal sampling instant. White noise of variance N0 per sample is N0 per
// symbol after the matched filter, so adding N0 = 10^(−EsN0/10) per sample
// gives exactly the Es/N0 of DESIGN.md §3.
//
// The filters are streaming kernels (CONVENTIONS §5): they keep their
// history across calls, so a long signal may be passed in pieces of any
// length; Reset clears it and Clone copies it for another worker. They write
// into dst[:0], growing it only when capacity is short; dst must not alias
// src. Bad configuration returns an error; a filter is not safe for
// concurrent use.
//
// Delay: an RRC of Span symbols delays by Span/2 symbols; shaper followed by
// matched filter delays by Span symbols (Delay), i.e. the matched filter's
// output m carries the symbol m − Span.
//
// It imports the standard library and internal/vec only.
package pulse
