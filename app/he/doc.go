// Package he is the homomorphic-encryption engine of hesemcom: CKKS
// parameter sets, receiver-owned keys with rotation, encrypted evaluation of
// the HE-friendly deep JSCC of Table II (Model 4 of Table III), the `slot`
// channel, and a framed wire format for ciphertexts and key bundles.
//
// # Seam
//
// This is the only package that imports Lattigo (v5.0.7: he/hefloat,
// core/rlwe, ring); it may import the standard library and Lattigo only.
// Callers see our vocabulary — Params, KeyChain, PublicBundle, SharedKey,
// Tensor, Transmitter, SlotChannel, Receiver, SlotTransmitter, SlotReceiver —
// and plain float64 weights (TableII), never Lattigo operands. phy/jscc stays a
// plaintext model package; convert its weights to a TableII.
//
// # Circuit and parameters
//
// conv (K×K, one channel, "same") + bias → x² → 2×2 average pool → ×Gain →
// 196 features → channel → FC 196→10. Gain and the pool's 1/4 are folded into
// the convolution as sqrt(Gain/4) (the square follows), so the features are
// sums of four squares. The circuit runs at one level with no rescale until
// the end: pixels at scale Δx, conv weights rounded to integers at Δw, the
// square gives (ΔxΔw)², FC weights at Δf, one rescale before decryption.
// PresetLogN13 (the default: N = 2^13, Q = two 60-bit primes, P = one,
// log QP ≈ 180 ≤ 218) and PresetLogN14 are checked against the HE Standard
// 128-bit bounds in the tests; NewParams refuses sets above the bound unless
// the literal says Insecure (tests only).
//
// # Packings
//
// Batch-major (Transmitter, Receiver): slot i of every ciphertext is image i,
// one ciphertext per pixel (784) and then per feature (196); up to N/2 images
// per batch, the last batch may be partial. Conv, square, pool and FC are then
// coefficient-wise in the NTT domain and need no rotation and no key: they
// run as multiply-adds by small integers with lazy 128-bit accumulation and
// one modular reduction per output (kernels.go). The features go on the air
// as degree-2 ciphertexts; the receiver relinearises only the 10 logit
// ciphertexts, rescales, decrypts and takes the arg-max.
//
// Slot-packed (SlotTransmitter, SlotReceiver): one image per ciphertext, conv
// by hoisted rotations and plaintext masks, a relinearised square, pool and
// FC by rotations; for single-image latency. Needs N ≥ 2^13.
//
// # Keys and security
//
// The receiver's KeyChain generates secret, public and relinearisation keys
// (and rotation keys only when slot-packed evaluation is configured) and
// rotates them every K batches (K = 0: never); every Tensor carries the id of
// the key that encrypted it and the receiver rejects ids it does not hold.
// Public-key and shared-key (secret-key) encryption are supported; the
// public-key encryption of zero is sampled modulo Q rather than modulo QP
// (see newEncryptor: 1.7× cheaper, fresh noise ≈2^15 in the slots against an
// input scale of 2^30). Randomness and error sampling are Lattigo's
// (sampling.NewPRNG keyed from crypto/rand), so runs are not bit-reproducible
// in their ciphertexts; the channel noise and weights are (seeded).
// The receiver releases labels only (Classify); LogitsPublic releases logits
// decoded with Lattigo's DecodePublic (rounded to a chosen precision), never
// raw decrypted values, because of the Li–Micciancio key-recovery attack on
// CKKS (IND-CPA-D). Shared keys are written 0600 and never printed.
//
// # Concurrency and allocation
//
// Lattigo encoders, encryptors and evaluators are not safe for concurrent
// use: every worker of a Transmitter, Receiver or SlotChannel holds its own
// ShallowCopy. The types themselves are not safe for concurrent use; run one
// per goroutine or pipeline stage. Tensors are destinations reused across
// batches (about 100 MB at N = 2^13: first touch of fresh memory is costly).
//
// # Wire format
//
// See wire.go: a 32-byte versioned header (magic, version, kind, parameter
// fingerprint, key id, body length ≤ MaxFrameBytes), raw residues whose shape
// comes from the parameters, and a CRC-32C trailer; every residue is checked
// against its prime. Malformed frames wrap ErrFormat, frames of other
// parameters ErrWrongParams.
package he
