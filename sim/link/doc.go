// Package link assembles the end-to-end links of Table III from the app, phy
// and modem kernels and runs them either as synchronous Monte Carlo trials for
// package sim (sweeps) or as a pipeline graph (the streaming main job).
//
// Models (Point.Model):
//
//	model1   the classical link: JPEG 2000 → 128-NEA2/NIA2 → 5G NR LDPC → QAM →
//	         residual CNN (classical.go)
//	model2   original deep JSCC (ReLU, max pool, per-sample power), plaintext
//	model3   HE-friendly deep JSCC of Table II, plaintext
//	model4   model 3 evaluated on CKKS ciphertexts (app/he); transports "slot"
//	         (noise on the slot values, the paper's abstraction), "digital"
//	         (compressed ciphertext, framed, LDPC-coded, QAM; transport.go) and
//	         "hybrid" (high bits digital, low bits analog; transport_hybrid.go)
//	he-wide  the wide HE-friendly variant, plaintext
//	<m>+eve  the eavesdropper on model m (eve.go)
//
// Levels (Point.Level): "symbol" — the channel acts on the complex symbols
// directly; "iq" — the symbols go through the OFDM modem as IQ samples, with
// estimated channels, including TDL-A/B/C and Doppler (iq.go).
//
// Channels at the symbol level (Point.Channel): "awgn"; "rayleigh" and
// "rician-K<k>" (flat fading i.i.d. per complex symbol, perfect CSI at the
// receiver, zero-forcing). With zero forcing the received feature pair is
// x + n·h*/|h|², so the channel is fully described by an effective additive
// noise per symbol; it is drawn from the item's seed (sim.Unit.ItemSeed), so
// every model at the same SNR sees the same realisation, and Model 4's slot
// channel adds exactly the noise Model 3's plaintext run adds.
//
// Model 4's decisions are reproducible up to CKKS's encryption randomness,
// which comes from a CSPRNG (as it must): its counts may differ from run to
// run in the rare images whose two top logits are closer than the CKKS error.
// Models 2 and 3 are bit-identical for a seed.
//
// link may import every layer but cmd and testvectors (DESIGN.md §2).
package link
