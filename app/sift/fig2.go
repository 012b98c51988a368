package sift

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"math/big"
	"sort"
	"time"

	"github.com/hesemcom/hesemcom/app/paillier"
)

// Tolerances of the Fig. 2 metrics.
const (
	// RepeatTolerancePx is the "within 1 pixel".
	RepeatTolerancePx = 1.0
	// RepeatScaleOctaves is "same scale": half the spacing of DoG levels
	// (1/(2s) octave with s = 3), so neighbouring levels never count.
	RepeatScaleOctaves = 1.0 / (2 * Intervals)
	// MatchRatio is Lowe's nearest/second-nearest distance ratio (§7.1).
	MatchRatio = 0.8
)

// Fig2Options configures RunFig2.
type Fig2Options struct {
	Workers  int
	Random   io.Reader // encryption randomness (crypto/rand.Reader in production)
	Progress Progress
	// SkipCiphertextImages skips panel (c) and the SIFT runs on the rendered
	// ciphertext images (one full encryption per pixel).
	SkipCiphertextImages bool
}

// CiphertextImageResult is plaintext SIFT run on a rendered ciphertext image.
type CiphertextImageResult struct {
	Randomness    string  `json:"randomness"` // "fresh per pixel" or "one reused for every pixel"
	Keypoints     int     `json:"keypoints"`
	Repeatability float64 `json:"repeatability"`
	MatchRate     float64 `json:"descriptor_match_rate"`
	// DistinctCiphertexts counts different ciphertexts among the pixels;
	// with reused randomness it equals DistinctPixels (equality leaks).
	DistinctCiphertexts int `json:"distinct_ciphertexts"`
	DistinctPixels      int `json:"distinct_pixel_values"`
	// RenderRankCorrelation is Spearman's ρ between pixel value and rendered
	// grey level over the pixels: ≈ 0 for fresh randomness, and for reused
	// randomness the rank correlation of the sawtooth frac(α + m·β).
	RenderRankCorrelation float64 `json:"render_rank_correlation"`
	// ChanceRepeatability is what as many keypoints placed at random would
	// reach (see chanceRepeatability).
	ChanceRepeatability float64    `json:"chance_repeatability"`
	Keys                []Keypoint `json:"-"`
	Image               *Gray      `json:"-"`
}

// Fig2Metrics is the summary of the experiment (the --json output).
type Fig2Metrics struct {
	Width              int     `json:"width"`
	Height             int     `json:"height"`
	KeyBits            int     `json:"key_bits"`
	PlaintextKeypoints int     `json:"plaintext_keypoints"`
	EncryptedKeypoints int     `json:"encrypted_keypoints"`
	Repeatability      float64 `json:"repeatability"`
	MatchRate          float64 `json:"descriptor_match_rate"`
	// DoGExact reports whether the decrypted DoG equals the plaintext DoG
	// bit for bit (every integer of every octave).
	DoGExact         bool                   `json:"dog_exact"`
	TolerancePx      float64                `json:"repeatability_tolerance_px"`
	ScaleTolerance   float64                `json:"repeatability_scale_tolerance_octaves"`
	HE               HEStats                `json:"encrypted_domain"`
	EndToEndSeconds  float64                `json:"end_to_end_seconds"`
	CiphertextFresh  *CiphertextImageResult `json:"ciphertext_image_fresh,omitempty"`
	CiphertextReused *CiphertextImageResult `json:"ciphertext_image_reused,omitempty"`
	// CiphertextMonotone is the reused-randomness case with r picked so the
	// rendering is order-preserving: what the paper's Fig. 2(d) needs.
	CiphertextMonotone  *CiphertextImageResult `json:"ciphertext_image_reused_monotone,omitempty"`
	CiphertextSeconds   float64                `json:"ciphertext_images_seconds,omitempty"`
	Notes               []string               `json:"notes"`
	ChanceRepeatability float64                `json:"chance_repeatability,omitempty"`
}

// Fig2Result holds the keypoints, panels and metrics of RunFig2.
type Fig2Result struct {
	Metrics   Fig2Metrics
	Plaintext []Keypoint
	Encrypted []Keypoint
	Image     *Gray
}

// Notes explains what the experiment shows; it is part of the CLI output.
var Notes = []string{
	"(d) is exact: the DoG is computed on Paillier ciphertexts with integer filters (blurs as products of ciphertexts, differences as multiplication by inverses), so the key holder decrypts the same integers the plaintext scale space has; repeatability and descriptor matching are 100% by construction, which shows that linear filtering commutes with additively homomorphic encryption, not that ciphertexts 'retain semantic information'.",
	"Only the key holder sees the DoG: the server holds ciphertexts and the public key and learns nothing (IND-CPA). Keypoints are found after decryption; nothing is detected on ciphertexts.",
	"Plaintext SIFT on the rendered ciphertext image with fresh randomness per pixel (secure Paillier) finds keypoints in noise: repeatability is at chance level.",
	"With one randomness r reused for every pixel, Enc(m) = (1+m·n)·r^n = R + m·T mod n² is a fixed function of the pixel; its rendering (leading byte) is the sawtooth frac(α + m·β) of the grey level, so image structure partly survives. Near-identical keypoints on the ciphertext image, as Fig. 2(d) of the paper shows, would need this map to be monotone on 0…255 (α + 255·β < 1 or the mirror case, probability ≈ 1/255 over r for α, β uniform) — and any reuse already makes the encryption deterministic: equal pixels give equal ciphertexts, so it is not IND-CPA secure and leaks the image's level sets.",
	"The third ciphertext image reuses an r picked on purpose (about one randomiser in two thousand) so that the rendering is monotone with slope ≥ 1/2: it looks like the photograph with reduced contrast and SIFT repeats a large part of the plaintext keypoints. That is what a Fig. 2(d)-like result requires — an encryption that is deterministic and order-preserving on the pixels, which hides nothing of the image's structure.",
}

// RunFig2 runs the Fig. 2 experiment on img with the key sk.
func (d *Detector) RunFig2(ctx context.Context, sk *paillier.PrivateKey, img *Gray, opt Fig2Options) (*Fig2Result, error) {
	if opt.Random == nil {
		return nil, fmt.Errorf("sift: Fig2Options.Random is required")
	}
	res := &Fig2Result{Image: img}
	m := &res.Metrics
	m.Width, m.Height, m.KeyBits = img.W, img.H, sk.Public().Bits()
	m.TolerancePx, m.ScaleTolerance = RepeatTolerancePx, RepeatScaleOctaves
	m.Notes = Notes

	plain, err := d.Pyramid(img)
	if err != nil {
		return nil, err
	}
	res.Plaintext = d.DetectPyramid(plain)

	t0 := time.Now()
	he, err := d.EncryptedPyramid(ctx, sk, img, HEOptions{Workers: opt.Workers, Random: opt.Random, Progress: opt.Progress})
	if err != nil {
		return nil, err
	}
	t1, c1 := time.Now(), processCPU()
	res.Encrypted = d.DetectPyramid(he.Pyramid)
	he.Stats.Seconds[StageDetect] = time.Since(t1).Seconds()
	he.Stats.CPUSeconds[StageDetect] = processCPU() - c1
	m.EndToEndSeconds = time.Since(t0).Seconds()
	m.HE = he.Stats
	m.DoGExact = pyramidsEqual(plain, he.Pyramid)
	m.PlaintextKeypoints, m.EncryptedKeypoints = len(res.Plaintext), len(res.Encrypted)
	m.Repeatability, _ = Repeatability(res.Plaintext, res.Encrypted, Identity, RepeatTolerancePx, RepeatScaleOctaves, img.W, img.H, 0)
	m.MatchRate = MatchRate(res.Plaintext, res.Encrypted, Identity, MatchRatio, RepeatTolerancePx)

	if !opt.SkipCiphertextImages {
		t0 = time.Now()
		fresh, reused, monotone, err := d.ciphertextImages(ctx, sk.Public(), img, res.Plaintext, opt)
		if err != nil {
			return nil, err
		}
		m.CiphertextFresh, m.CiphertextReused, m.CiphertextMonotone = fresh, reused, monotone
		m.CiphertextSeconds = time.Since(t0).Seconds()
	}
	return res, nil
}

// pyramidsEqual compares two pyramids value for value.
func pyramidsEqual(a, b *Pyramid) bool {
	if len(a.Octaves) != len(b.Octaves) {
		return false
	}
	for o := range a.Octaves {
		for i := range DoGLevels {
			for k, v := range a.Octaves[o].D[i] {
				if b.Octaves[o].D[i][k] != v {
					return false
				}
			}
		}
		for i := range Levels {
			for k, v := range a.Octaves[o].L[i] {
				if b.Octaves[o].L[i][k] != v {
					return false
				}
			}
		}
	}
	return true
}

// chanceRepeatability estimates the repeatability a keypoint set placed
// independently of the image would reach: the probability that a disc of
// radius 1 px around a reference point contains one of n uniformly placed
// keypoints (ignoring the scale condition, so it is an upper bound).
func chanceRepeatability(test []Keypoint, w, h int) float64 {
	n := float64(len(test))
	return 1 - math.Pow(1-math.Pi*RepeatTolerancePx*RepeatTolerancePx/float64(w*h), n)
}

// RenderCiphertext maps a ciphertext c ∈ (0, n²) to a grey level: its
// leading byte ⌊256·c/n²⌋, i.e. the ciphertext read as a fraction of n².
func RenderCiphertext(pk *paillier.PublicKey, ct *paillier.Ciphertext) uint8 {
	v := ct.Int()
	v.Lsh(v, 8)
	v.Quo(v, pk.N2())
	return uint8(v.Uint64())
}

// ciphertextImages encrypts every pixel separately (fresh DJN randomness,
// then one randomiser reused), renders both and runs plaintext SIFT on them.
func (d *Detector) ciphertextImages(ctx context.Context, pk *paillier.PublicKey, img *Gray, ref []Keypoint, opt Fig2Options) (*CiphertextImageResult, *CiphertextImageResult, *CiphertextImageResult, error) {
	n := img.W * img.H
	// Fresh randomisers in chunks, for progress and cancellation.
	const chunk = 4096
	rz := make([]*paillier.Randomizer, 0, n)
	for len(rz) < n {
		part, err := pk.NewRandomizers(opt.Random, min(chunk, n-len(rz)), max(1, opt.Workers))
		if err != nil {
			return nil, nil, nil, err
		}
		rz = append(rz, part...)
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
		if opt.Progress != nil {
			opt.Progress(StageCiphertextImages, len(rz), n)
		}
	}
	run := func(label string, rzOf func(i int) *paillier.Randomizer) (*CiphertextImageResult, error) {
		out := &Gray{W: img.W, H: img.H, Pix: make([]uint8, n)}
		distinct := map[string]bool{}
		m := new(big.Int)
		for i, p := range img.Pix {
			m.SetInt64(int64(p))
			ct, err := pk.EncryptWith(m, rzOf(i))
			if err != nil {
				return nil, err
			}
			out.Pix[i] = RenderCiphertext(pk, ct)
			distinct[string(ct.Int().Bytes())] = true
		}
		kps, err := d.Detect(out)
		if err != nil {
			return nil, err
		}
		r := &CiphertextImageResult{Randomness: label, Keypoints: len(kps), Keys: kps, Image: out, DistinctCiphertexts: len(distinct)}
		r.DistinctPixels = distinctValues(img.Pix)
		r.Repeatability, _ = Repeatability(ref, kps, Identity, RepeatTolerancePx, RepeatScaleOctaves, img.W, img.H, 0)
		r.MatchRate = MatchRate(ref, kps, Identity, MatchRatio, RepeatTolerancePx)
		r.RenderRankCorrelation = spearman(img.Pix, out.Pix)
		r.ChanceRepeatability = chanceRepeatability(kps, img.W, img.H)
		return r, nil
	}
	fresh, err := run("fresh per pixel", func(i int) *paillier.Randomizer { return rz[i] })
	if err != nil {
		return nil, nil, nil, err
	}
	reused, err := run("one reused for every pixel", func(int) *paillier.Randomizer { return rz[0] })
	if err != nil {
		return nil, nil, nil, err
	}
	var monotone *CiphertextImageResult
	if rm, err := monotoneRandomizer(pk, opt.Random, max(1, opt.Workers)); err != nil {
		return nil, nil, nil, err
	} else if rm != nil {
		if monotone, err = run("one reused, chosen so the rendering is monotone", func(int) *paillier.Randomizer { return rm }); err != nil {
			return nil, nil, nil, err
		}
	}
	return fresh, reused, monotone, nil
}

// monotoneRandomizer searches fresh randomisers for one whose reuse makes
// the rendering m ↦ ⌊256·(R + m·T)/n²⌋ (R = r^n, T = n·R mod n²) monotone
// on [0, 255] with slope in [1/2, 1): R + 255·T < n² and n²/512 ≤ T < n²/256,
// which happens for about one randomiser in 2000 (β ∈ [1/512, 1/256) has
// probability 1/512, and α < 1 − 255·β then holds a quarter of the time on
// average). It returns nil if none of 16384 candidates fits (probability
// ≈ e^−8).
func monotoneRandomizer(pk *paillier.PublicKey, random io.Reader, workers int) (*paillier.Randomizer, error) {
	n2 := pk.N2()
	lo := new(big.Int).Rsh(n2, 9)
	hi := new(big.Int).Rsh(n2, 8)
	zero, one := new(big.Int), big.NewInt(1)
	for range 64 {
		rzs, err := pk.NewRandomizers(random, 256, workers)
		if err != nil {
			return nil, err
		}
		for _, rz := range rzs {
			c0, _ := pk.EncryptWith(zero, rz)
			c1, _ := pk.EncryptWith(one, rz)
			R := c0.Int()
			T := new(big.Int).Sub(c1.Int(), R)
			T.Mod(T, n2)
			top := new(big.Int).Mul(T, big.NewInt(255))
			top.Add(top, R)
			if T.Cmp(lo) >= 0 && T.Cmp(hi) < 0 && top.Cmp(n2) < 0 {
				return rz, nil
			}
		}
	}
	return nil, nil
}

func distinctValues(p []uint8) int {
	var seen [256]bool
	c := 0
	for _, v := range p {
		if !seen[v] {
			seen[v] = true
			c++
		}
	}
	return c
}

// spearman is the rank correlation of a and b (average ranks for ties).
func spearman(a, b []uint8) float64 {
	ra, rb := ranks(a), ranks(b)
	var ma, mb float64
	for i := range ra {
		ma += ra[i]
		mb += rb[i]
	}
	ma /= float64(len(ra))
	mb /= float64(len(rb))
	var sab, saa, sbb float64
	for i := range ra {
		x, y := ra[i]-ma, rb[i]-mb
		sab += x * y
		saa += x * x
		sbb += y * y
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

func ranks(v []uint8) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return v[idx[i]] < v[idx[j]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && v[idx[j]] == v[idx[i]] {
			j++
		}
		avg := float64(i+j-1) / 2
		for k := i; k < j; k++ {
			r[idx[k]] = avg
		}
		i = j
	}
	return r
}

// Overlay draws keypoints on g: a circle of radius 2σ (at least 2 px) and a
// radius line along the orientation, in col.
func Overlay(g *Gray, kps []Keypoint, col color.RGBA) *image.RGBA {
	im := image.NewRGBA(image.Rect(0, 0, g.W, g.H))
	for i, v := range g.Pix {
		im.Pix[4*i], im.Pix[4*i+1], im.Pix[4*i+2], im.Pix[4*i+3] = v, v, v, 255
	}
	set := func(x, y float64) {
		xi, yi := int(math.Round(x)), int(math.Round(y))
		if xi >= 0 && yi >= 0 && xi < g.W && yi < g.H {
			im.SetRGBA(xi, yi, col)
		}
	}
	for _, k := range kps {
		r := max(2, 2*k.Scale)
		steps := int(math.Ceil(2 * math.Pi * r * 1.5))
		for s := range steps {
			a := 2 * math.Pi * float64(s) / float64(steps)
			set(k.X+r*math.Cos(a), k.Y+r*math.Sin(a))
		}
		for t := 0.0; t <= r; t += 0.5 {
			set(k.X+t*math.Cos(k.Orientation), k.Y+t*math.Sin(k.Orientation))
		}
	}
	return im
}
