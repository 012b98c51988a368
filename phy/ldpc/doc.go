// Package ldpc implements the 5G NR LDPC channel code of 3GPP TS 38.212:
// the two base graphs with all 51 lifting sizes (§5.3.2, Tables 5.3.2-1..3),
// base-graph selection (§6.2.2/§7.2.2), code-block segmentation with
// CRC24B per block (§5.2.2, §5.1), the systematic encoder (§5.3.2), rate
// matching with the circular buffer, redundancy versions, filler-bit
// skipping and bit interleaving (§5.4.2) and its soft inverse, and a
// layered belief-propagation decoder (normalised/offset min-sum or exact
// sum-product) with early termination.
//
// It imports the standard library only (tests also use internal/units).
//
// # Use
//
//	code, err := ldpc.New(ldpc.Config{K: 512, E: 1024, Qm: 2})
//	enc := code.Encoder()                          // K bits → E bits per block
//	dec := code.Decoder(ldpc.NormalizedMinSum, 20) // E LLRs → K bits per block
//	coded, err := enc.Encode(coded, info)
//	bits, err := dec.Decode(bits, llrs)
//
// NewTB adds the transport-block layer of §7.2 (PDSCH) / §6.2 (PUSCH): CRC24A
// or CRC16 attachment, base-graph selection, segmentation into code blocks
// with CRC24B, per-block rate-matched lengths E_r and concatenation (§5.5);
// its decoder counts LDPC, code-block CRC and transport-block CRC failures.
// For hybrid ARQ, TBEncoder.EncodeRV sends any redundancy version and a
// TBSoftBuffer adds up the LLRs of a block's transmissions in codeword order
// (chase combining and incremental redundancy), which TBDecoder.DecodeSoft
// decodes.
//
// Encode and Decode follow the stream-kernel contract
// func(dst []Out, src []In) ([]Out, error): they append to dst[:0], accept any
// whole number of code blocks and report their rate with OutLen. Encoder and
// Decoder hold scratch space and are not safe for concurrent use: give each
// goroutine its own Clone. A Code is immutable and may be shared.
//
// # Conventions
//
//   - Bits are bytes holding 0 or 1, one bit per byte, in transmission order.
//   - LLRs are float32 L = ln(P(b=0)/P(b=1)): positive means 0 (the sign
//     convention of TS 38.212 implementations such as MATLAB's nrLDPCDecode;
//     Sionna uses the opposite sign). Gray QPSK with unit symbol energy and
//     complex noise variance N0 gives L = 2√2·y/N0 per axis.
//   - The full codeword (EncodeCodeword, DecodeCodeword) has 68·Z (BG1) or
//     52·Z (BG2) bits including the 2·Z punctured systematic bits; filler
//     bits (positions K'..K−1) are 0 and never transmitted.
//   - A decoder that does not converge is an outcome, not an error: the
//     hard decisions are returned and Stats counts the block as unconverged.
//     Errors are returned for malformed input (lengths, non-bits, NaN).
//
// # Performance
//
// The decoder processes the Z lifted rows of a base-graph row as lanes of
// contiguous vectors. The min-sum variants run in 16-bit fixed point by
// default (LLR step 1/8, saturating; layerq.go), with each column of
// posteriors stored three times so that every cyclic shift is a contiguous
// run; DecoderConfig.Float selects the float32 path, and SumProduct is always
// float32. On amd64 with AVX2 the lane kernels are assembly
// (kernels_amd64.s), each checked bit for bit against its Go twin;
// elsewhere the Go kernels run. Rows whose degree-1 extension column was
// never transmitted are skipped (they carry no information), and the
// syndrome for early termination is computed on the fly per layer and
// confirmed exactly only when few rows failed.
package ldpc
