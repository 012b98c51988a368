// Package sift implements SIFT (Lowe, "Distinctive Image Features from
// Scale-Invariant Keypoints", IJCV 60(2), 2004) and the encrypted-domain
// scale space of the paper's Fig. 2: the difference-of-Gaussian (DoG)
// pyramid computed on Paillier ciphertexts, decrypted only by the key holder.
//
// It owns: grayscale PNG/JPEG input (BT.601 luma), the scale space, 3-D
// extrema, sub-pixel/sub-scale refinement (§4), contrast (0.03) and edge
// (r = 10) rejection (§4.1), orientation assignment (36 bins, 1.5σ, 80%
// peaks, §5), 128-D descriptors (4×4×8, clamp 0.2, §6.1), ratio-test
// matching (0.8, §7.1), repeatability and match-rate metrics, keypoint
// overlays, the packed Paillier DoG and the Fig. 2 experiment. It imports
// the standard library and app/paillier only (tests also use
// golang.org/x/image/draw for resampling).
//
// # The scale space is exact integer arithmetic
//
// Paillier is additively homomorphic: from Enc(a), Enc(b) anyone can form
// Enc(a+b) = Enc(a)·Enc(b) and Enc(k·a) = Enc(a)^k for integer k, but
// nothing can divide. So the Gaussian blurs use integer filters: cascades of
// two-tap passes [1 0…0 1] (taps d apart), which grow binomial-like kernels
// whose variances follow Lowe's σ_i = 1.6·2^(i/3) within 4%, with s = 3
// intervals (6 Gaussian and 5 DoG images per octave). A pass costs one
// ciphertext multiplication per pixel and doubles the scale, so level i of
// octave o is 2^B·(Gaussian-filtered image) exactly; DoG images are formed at
// the finer level's scale, D_i = L_{i+1} − 2^b·L_i. The plaintext detector
// (Detector.Detect) uses the same integers, converted to float64 only for
// detection, so the two pipelines agree bit for bit.
//
// Deviations from Lowe 2004, all shared by the plaintext and encrypted
// paths: the input is not doubled; at most three octaves (values would pass
// 128 bits); the Gaussian is the integer approximation above; pixels are
// centred (p − 128) and padded with zeros, i.e. with mid-grey; the vertical
// passes are causal, so the top border is re-padded at every pass while the
// bottom one continues the zero-extended image (see geometry); keypoints
// closer than 5 octave pixels to the border are dropped (as in OpenCV).
//
// # The encrypted pipeline (Fig. 2(d))
//
// A 2048-bit plaintext holds many pixels: the image, read as one long column
// of rows, is cut into Z stripes and the ciphertext at grid cell (g, x)
// packs row g of every stripe, in slots of k bits (Packing). Horizontal
// passes multiply neighbouring cells. Vertical passes read the row d above,
// which for the first d grid rows lies in the stripe below — one slot lower
// in the same cell column: raising it to 2^k moves it into place. Slots can
// only move up, which is why vertical passes are causal. Slot width and
// stripe height are chosen per octave so that nothing ever wraps modulo n;
// the image is encrypted once per octave with that octave's packing.
// The server (public key only) computes L_0 and the five DoG images of each
// octave and merges images whose values are narrow enough into one slot
// (in octave 0, D_0 with D_1 and L_0 with D_2: 4 ciphertext grids instead
// of 6). The key holder decrypts (CRT) the five DoG images of every octave
// and L_0 of octave 0 only — a higher octave's L_0 is the previous octave's
// level 3 downsampled, which it rebuilds exactly — unpacks the slots,
// rebuilds L_1…L_5 (L_{i+1} = D_i + 2^b·L_i) and runs detection and
// description. Nothing is detected on ciphertexts.
//
// # What Fig. 2 does and does not show
//
// The encrypted-domain DoG is exact, so its keypoints and descriptors equal
// the plaintext ones (repeatability 100% by construction). That demonstrates
// that linear filtering commutes with additively homomorphic encryption; it
// does not show that a ciphertext image "retains semantic information".
// Plaintext SIFT run on a rendering of the ciphertexts (each pixel encrypted,
// the ciphertext's leading byte shown as grey) finds only noise when every
// pixel has fresh randomness, as IND-CPA security requires. If one
// randomiser r is reused for all pixels, Enc(m) = (1+m·n)·r^n = R + m·T
// (mod n²) is a fixed function of the pixel and its rendering is the
// sawtooth frac(α + m·β) of the grey level: the image's level sets show
// through, but SIFT keypoints still do not repeat unless that map happens to
// be monotone (α + 255·β < 1 or the mirror case, probability ≈ 1/255). The
// paper's near-identical keypoints on the ciphertext image therefore require
// a deterministic, order-preserving rendering of ciphertexts, i.e. giving up
// IND-CPA security: with reused randomness equal pixels have equal
// ciphertexts, which already leaks the image (see the reused-randomness
// panel of "hesemcom sift"). A third rendering reuses an r picked so the map
// is monotone (about one randomiser in 2000): it shows the photograph
// with reduced contrast, and SIFT repeats a large share of the plaintext
// keypoints — the paper's picture, obtained only by giving up confidentiality.
// Notes carries this explanation for the CLI.
//
// Concurrency: Detector is immutable and safe for concurrent use; the
// encrypted stages spread per-ciphertext work over HEOptions.Workers
// goroutines with results independent of the worker count (randomness is
// drawn sequentially, see paillier.NewRandomizers).
package sift
