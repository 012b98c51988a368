package sift

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hesemcom/hesemcom/app/paillier"
)

// Packing is the slot layout of one octave's ciphertexts: the image is read
// as one long column of "V rows" cut into Slots stripes of Rows rows; the
// ciphertext at grid cell (g, x) holds V rows s·Rows+g (s = 0…Slots−1) of
// column x, slot s at bit offset s·SlotBits, as signed integers. The vertical
// filter reads the row d above; for g < d that row sits in the previous
// stripe, one slot lower in the same cell column: multiplying its plaintext by
// 2^SlotBits (SlotBits squarings) moves it into place. Slots never move down,
// so the filters are causal and the geometry's drift accounts for the shift.
type Packing struct {
	Octave   int `json:"octave"`    // octave whose DoG this packing produces
	SlotBits int `json:"slot_bits"` // k: signed slot width
	Slots    int `json:"slots"`     // Z: slots per ciphertext
	Rows     int `json:"rows"`      // S: grid rows at octave 0 (S/2^o at octave o)
	Cells    int `json:"cells"`     // ciphertexts per image at octave 0
}

// plan chooses, for target octave o, the slot width that holds every value
// of that octave and the smallest stripe height S (a multiple of 2^o) whose
// Z·S/2^j V rows cover the extent of every phase j ≤ o with Z·k ≤ |n|−2.
func plan(geo []geometry, o, nBits int) (Packing, error) {
	k := geo[o].valueBits()
	zmax := (nBits - 2) / k
	if zmax < 1 {
		return Packing{}, fmt.Errorf("sift: %d-bit key too small for %d-bit slots", nBits, k)
	}
	step := 1 << o
	need := func(s int) int { // slots needed for stripe height s
		z := 0
		for j := 0; j <= o; j++ {
			ext := geo[j].DownExtent
			if j == o {
				ext = geo[j].Extent
			}
			rows := s >> j
			z = max(z, (ext+rows-1)/rows)
		}
		return z
	}
	for s := step; s <= geo[0].Extent+step; s += step {
		if z := need(s); z <= zmax {
			return Packing{Octave: o, SlotBits: k, Slots: z, Rows: s, Cells: s * geo[0].W}, nil
		}
	}
	return Packing{}, fmt.Errorf("sift: no packing fits octave %d in a %d-bit key", o, nBits)
}

// ctPlane is a grid of packed ciphertexts: rows × w cells.
type ctPlane struct {
	w, rows int
	c       []*paillier.Ciphertext
}

func newCtPlane(w, rows int) ctPlane {
	p := ctPlane{w: w, rows: rows, c: make([]*paillier.Ciphertext, w*rows)}
	for i := range p.c {
		p.c[i] = new(paillier.Ciphertext)
	}
	return p
}

// Stage names reported to a Progress callback and in Timing.
const (
	StageEncrypt = "encrypt"
	StageDoG     = "encrypted DoG"
	StageDecrypt = "decrypt"
	StageDetect  = "detect"
	// StageCiphertextImages encrypts every pixel for the rendered panels.
	StageCiphertextImages = "encrypt every pixel"
)

// Progress receives the progress of a long stage; it may be called from
// several goroutines at once.
type Progress func(stage string, done, total int)

// HEOptions configures the encrypted-domain scale space.
type HEOptions struct {
	// Workers is the number of goroutines for per-ciphertext work (≤ 0: 1).
	// Results do not depend on it.
	Workers int
	// Random supplies the encryption randomness (crypto/rand.Reader in
	// production, a seeded reader in tests).
	Random io.Reader
	// Progress, if set, is told about every finished chunk of work.
	Progress Progress
}

// HEStats describes an encrypted-domain run.
type HEStats struct {
	Packings    []Packing          `json:"packings"`
	Encryptions int                `json:"encryptions"`
	Decryptions int                `json:"decryptions"`
	HomOps      int64              `json:"homomorphic_mulmods"` // multiplications modulo n², squarings included
	Seconds     map[string]float64 `json:"seconds"`             // wall time per stage
	// CPUSeconds is the process CPU time per stage (user+system, all
	// threads): independent of other load on a shared machine, and the
	// wall time on c idle cores is at least CPUSeconds/c.
	CPUSeconds map[string]float64 `json:"cpu_seconds"`
}

// heRun carries the state of one encrypted run.
type heRun struct {
	ctx     context.Context
	pk      *paillier.PublicKey
	evs     []*paillier.Evaluator
	workers int
	prog    Progress
	ops     atomic.Int64
	pack    Packing
}

// parallel runs fn(worker, i) for i in [0, n) on the run's workers in
// chunks, reporting progress; the first error stops the work.
func (r *heRun) parallel(stage string, n int, done *atomic.Int64, total int, fn func(w, i int) error) error {
	const chunk = 16
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for w := range r.workers {
		wg.Go(func() {
			for {
				if r.ctx.Err() != nil {
					once.Do(func() { firstErr = r.ctx.Err() })
					return
				}
				start := int(next.Add(chunk)) - chunk
				if start >= n {
					return
				}
				end := min(start+chunk, n)
				for i := start; i < end; i++ {
					if err := fn(w, i); err != nil {
						once.Do(func() { firstErr = err })
						return
					}
				}
				if n := done.Add(int64(end - start)); r.prog != nil && total > 0 {
					r.prog(stage, int(n), total)
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// filterX: out(g, x) = in(g, x−a)·in(g, x+d−a), missing columns being Enc(0).
func (r *heRun) filterX(in ctPlane, ps pass, prog *atomic.Int64, total int) (ctPlane, error) {
	out := newCtPlane(in.w, in.rows)
	err := r.parallel(StageDoG, len(out.c), prog, total, func(w, i int) error {
		g, x := i/in.w, i%in.w
		xa, xb := x-ps.a, x+ps.d-ps.a
		switch {
		case xa >= 0 && xb < in.w:
			r.evs[w].Add(out.c[i], in.c[g*in.w+xa], in.c[g*in.w+xb])
			r.ops.Add(1)
		case xa >= 0:
			out.c[i].Set(in.c[g*in.w+xa])
		case xb < in.w:
			out.c[i].Set(in.c[g*in.w+xb])
		default:
			t, _ := r.pk.Trivial(new(big.Int))
			out.c[i].Set(t)
		}
		return nil
	})
	return out, err
}

// above returns, in dst, the cell holding V row (g − d) of the slot of row g:
// the same column d grid rows up, or a cell of the stripe below shifted up by
// t slots (2^(t·k)) when g − d < 0. extra adds further doublings (2^extra).
func (r *heRun) above(w int, dst *paillier.Ciphertext, in ctPlane, g, x, d, extra int) {
	t := 0
	row := g - d
	for row < 0 {
		row += in.rows
		t++
	}
	shift := t*r.pack.SlotBits + extra
	r.evs[w].MulPow2(dst, in.c[row*in.w+x], shift)
	r.ops.Add(int64(shift))
}

// filterY: out(g, x) = in(g, x)·in(V row − d) (causal vertical pass).
func (r *heRun) filterY(in ctPlane, ps pass, prog *atomic.Int64, total int) (ctPlane, error) {
	out := newCtPlane(in.w, in.rows)
	err := r.parallel(StageDoG, len(out.c), prog, total, func(w, i int) error {
		g, x := i/in.w, i%in.w
		r.above(w, out.c[i], in, g, x, ps.d, 0)
		r.evs[w].Add(out.c[i], out.c[i], in.c[i])
		r.ops.Add(1)
		return nil
	})
	return out, err
}

func (r *heRun) blur(in ctPlane, inc int, prog *atomic.Int64, total int) (ctPlane, error) {
	var err error
	for _, ps := range passes(inc) {
		if in, err = r.filterX(in, ps, prog, total); err != nil {
			return in, err
		}
		if in, err = r.filterY(in, ps, prog, total); err != nil {
			return in, err
		}
	}
	return in, nil
}

// dog returns next − 2^b·prev(V row − δ) by homomorphic subtraction: prev is
// negated once with a batch inversion, then shifted and multiplied in.
func (r *heRun) dog(next, prev ctPlane, b, delta int, prog *atomic.Int64, total int) (ctPlane, error) {
	neg := newCtPlane(prev.w, prev.rows)
	// Batch inversion per grid row: one modular inverse per row of cells.
	err := r.parallel(StageDoG, prev.rows, new(atomic.Int64), 0, func(w, g int) error {
		r.ops.Add(int64(3 * prev.w))
		return r.evs[w].NegBatch(neg.c[g*prev.w:(g+1)*prev.w], prev.c[g*prev.w:(g+1)*prev.w])
	})
	if err != nil {
		return ctPlane{}, err
	}
	out := newCtPlane(next.w, next.rows)
	err = r.parallel(StageDoG, len(out.c), prog, total, func(w, i int) error {
		g, x := i/next.w, i%next.w
		r.above(w, out.c[i], neg, g, x, delta, b)
		r.evs[w].Add(out.c[i], out.c[i], next.c[i])
		r.ops.Add(1)
		return nil
	})
	return out, err
}

// downsample keeps grid rows 2g+phase and even columns (V row 2j+phase).
func downsampleCt(in ctPlane, phase int) ctPlane {
	w, rows := (in.w+1)/2, in.rows/2
	out := ctPlane{w: w, rows: rows, c: make([]*paillier.Ciphertext, w*rows)}
	for g := range rows {
		for x := range w {
			out.c[g*w+x] = in.c[(2*g+phase)*in.w+2*x]
		}
	}
	return out
}

// packCell builds the packed plaintext of grid cell (g, x) of the centred image.
func packCell(img *Gray, pk Packing, g, x int, m *big.Int, tmp *big.Int) {
	m.SetInt64(0)
	for s := pk.Slots - 1; s >= 0; s-- {
		m.Lsh(m, uint(pk.SlotBits))
		v := s*pk.Rows + g
		if v < img.H {
			tmp.SetInt64(int64(img.Pix[v*img.W+x]) - pixelOffset)
			m.Add(m, tmp)
		}
	}
}

// workCount estimates the progress units of one target octave.
func workCount(geo []geometry, o int, p Packing) int {
	units := 0
	for j := 0; j <= o; j++ {
		cells := (p.Rows >> j) * geo[j].W
		first, last := 1, 3
		if j == 0 {
			first = 0
		}
		if j == o {
			last = Levels - 1
		}
		for i := first; i <= last; i++ {
			units += cells * 2 * len(increments[i])
			if j == o && i > 0 {
				units += cells
			}
		}
	}
	return units
}

// EncryptedOctave is the server's output for one octave: packed ciphertexts
// of the level-0 Gaussian image and the five DoG images.
type EncryptedOctave struct {
	Packing Packing
	geo     geometry
	L0      ctPlane
	D       [DoGLevels]ctPlane
	// Images are what the key holder receives and decrypts: the DoG images
	// (and L_0 for octave 0), several narrow ones merged per ciphertext.
	Images []MergedImage
}

// MergedImage is a ciphertext grid holding several images in each slot:
// part j (an L_0 or D_i image with signed width Widths[j] bits) sits at bit
// offset Σ_{i<j} Widths[i] inside every slot. The server forms it as
// Π_j image_j^(2^offset_j); since Σ Widths ≤ k − 1, nothing crosses a slot.
type MergedImage struct {
	Parts  []int // −1 for L_0, i for D_i
	Widths []int
	plane  ctPlane
}

// partWidth is the signed width of an image of octave geometry g:
// |L_i| ≤ 128·2^B_i and |D_i| ≤ 255·2^B_{i+1} (centred pixels in [−128, 127]).
func partWidth(g geometry, part int) int {
	if part < 0 {
		return g.Bits[0] + 8
	}
	return g.Bits[part+1] + 9
}

// mergePlan groups images into slots of k bits, first fit by decreasing
// width: every group has Σ widths ≤ k − 1.
func mergePlan(g geometry, parts []int, k int) [][]int {
	sorted := append([]int(nil), parts...)
	sort.SliceStable(sorted, func(i, j int) bool { return partWidth(g, sorted[i]) > partWidth(g, sorted[j]) })
	var bins [][]int
	var used []int
	for _, p := range sorted {
		w := partWidth(g, p)
		placed := false
		for b := range bins {
			if used[b]+w <= k-1 {
				bins[b] = append(bins[b], p)
				used[b] += w
				placed = true
				break
			}
		}
		if !placed {
			bins = append(bins, []int{p})
			used = append(used, w)
		}
	}
	return bins
}

// merge forms Π_j planes_j^(2^offset_j) cell by cell.
func (r *heRun) merge(planes []ctPlane, widths []int) (ctPlane, error) {
	out := newCtPlane(planes[0].w, planes[0].rows)
	err := r.parallel(StageDoG, len(out.c), new(atomic.Int64), 0, func(w, i int) error {
		out.c[i].Set(planes[0].c[i])
		offset := 0
		var t paillier.Ciphertext
		for j := 1; j < len(planes); j++ {
			offset += widths[j-1]
			r.evs[w].MulPow2(&t, planes[j].c[i], offset)
			r.evs[w].Add(out.c[i], out.c[i], &t)
			r.ops.Add(int64(offset + 1))
		}
		return nil
	})
	return out, err
}

// EncryptImage is the key holder's step: it encrypts img once per target
// octave, packed for that octave. It returns the ciphertext grids in octave
// order, with their packings.
func EncryptImage(ctx context.Context, pk *paillier.PublicKey, img *Gray, octaves int, opt HEOptions) ([]ctPlane, []Packing, error) {
	if img == nil || img.W <= 0 || img.H <= 0 || len(img.Pix) != img.W*img.H {
		return nil, nil, ErrImage
	}
	geo := layout(img.W, img.H, octaves)
	workers := max(1, opt.Workers)
	var planes []ctPlane
	var packs []Packing
	total := 0
	for o := range octaves {
		p, err := plan(geo, o, pk.Bits())
		if err != nil {
			return nil, nil, err
		}
		packs = append(packs, p)
		total += p.Cells
	}
	done := 0
	for _, p := range packs {
		rz, err := pk.NewRandomizers(opt.Random, p.Cells, workers)
		if err != nil {
			return nil, nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		pl := newCtPlane(img.W, p.Rows)
		m, tmp := new(big.Int), new(big.Int)
		for i := range pl.c {
			g, x := i/img.W, i%img.W
			packCell(img, p, g, x, m, tmp)
			enc, err := pk.Encode(m)
			if err != nil {
				return nil, nil, fmt.Errorf("sift: packed plaintext: %w", err)
			}
			ct, err := pk.EncryptWith(enc, rz[i])
			if err != nil {
				return nil, nil, err
			}
			pl.c[i] = ct
		}
		planes = append(planes, pl)
		done += p.Cells
		if opt.Progress != nil {
			opt.Progress(StageEncrypt, done, total)
		}
	}
	return planes, packs, nil
}

// EncryptedDoG is the server's step: from the packed encryption of the image
// for target octave o, it computes that octave's Gaussian level 0 and its five
// DoG images homomorphically (public key only): blurs as products of
// ciphertexts, alignment as doublings, differences as multiplication by
// inverses. Lower octaves are recomputed on this packing up to their level 3.
func EncryptedDoG(ctx context.Context, pk *paillier.PublicKey, w, h, octaves, o int, in ctPlane, p Packing, opt HEOptions, ops *atomic.Int64) (*EncryptedOctave, error) {
	geo := layout(w, h, octaves)
	return encryptedDoG(ctx, pk, geo, o, in, p, opt, ops, new(atomic.Int64), workCount(geo, o, p))
}

// encryptedDoG is EncryptedDoG reporting progress as prog out of total.
func encryptedDoG(ctx context.Context, pk *paillier.PublicKey, geo []geometry, o int, in ctPlane, p Packing, opt HEOptions, ops, prog *atomic.Int64, total int) (*EncryptedOctave, error) {
	workers := max(1, opt.Workers)
	r := &heRun{ctx: ctx, pk: pk, workers: workers, prog: opt.Progress, pack: p}
	ev := pk.NewEvaluator()
	for range workers {
		r.evs = append(r.evs, ev.Clone())
	}
	cur := in
	var err error
	eo := &EncryptedOctave{Packing: p, geo: geo[o]}
	for j := 0; j <= o; j++ {
		if j == 0 {
			if cur, err = r.blur(cur, 0, prog, total); err != nil {
				return nil, err
			}
		} else {
			cur = downsampleCt(cur, geo[j].Phase)
		}
		if j < o {
			for i := 1; i <= 3; i++ {
				if cur, err = r.blur(cur, i, prog, total); err != nil {
					return nil, err
				}
			}
			continue
		}
		eo.L0 = cur
		prev := cur
		for i := 1; i < Levels; i++ {
			next, err := r.blur(prev, i, prog, total)
			if err != nil {
				return nil, err
			}
			b, delta := 2*len(increments[i]), geo[o].Drift[i]-geo[o].Drift[i-1]
			if eo.D[i-1], err = r.dog(next, prev, b, delta, prog, total); err != nil {
				return nil, err
			}
			prev = next
		}
	}
	// The images the key holder needs: the DoG images, and L_0 for octave 0
	// only (higher octaves' L_0 follows from the octave below).
	parts := []int{0, 1, 2, 3, 4}
	if o == 0 {
		parts = append(parts, -1)
	}
	for _, bin := range mergePlan(geo[o], parts, p.SlotBits) {
		mi := MergedImage{Parts: bin}
		var planes []ctPlane
		for _, part := range bin {
			mi.Widths = append(mi.Widths, partWidth(geo[o], part))
			if part < 0 {
				planes = append(planes, eo.L0)
			} else {
				planes = append(planes, eo.D[part])
			}
		}
		if len(planes) == 1 {
			mi.plane = planes[0]
		} else if mi.plane, err = r.merge(planes, mi.Widths); err != nil {
			return nil, err
		}
		eo.Images = append(eo.Images, mi)
	}
	if ops != nil {
		ops.Add(r.ops.Load())
	}
	return eo, nil
}

// Decryptions returns how many ciphertexts the key holder decrypts for eo.
func (eo *EncryptedOctave) Decryptions() int {
	n := 0
	for _, im := range eo.Images {
		n += len(im.plane.c)
	}
	return n
}

// DecryptOctave is the key holder's step: it decrypts the DoG images of one
// octave (and its level-0 Gaussian image when base is nil), unpacks the
// slots into V rows and rebuilds the remaining Gaussian levels exactly
// (L_{i+1} = D_i + 2^b·L_i). For octaves above 0 the caller passes as base
// the previous octave's rebuilt level 3, downsampled: it equals the
// server's L_0 exactly, so that image need not be decrypted.
func DecryptOctave(ctx context.Context, sk *paillier.PrivateKey, eo *EncryptedOctave, opt HEOptions, done *atomic.Int64, total int, base *plane) (*intOctave, error) {
	p := eo.Packing
	workers := max(1, opt.Workers)
	pk := sk.Public()
	// Offset 2^(k−1) in every slot makes each digit non-negative (|v| < 2^(k−1)).
	offset := new(big.Int)
	half := new(big.Int).Lsh(big.NewInt(1), uint(p.SlotBits-1))
	for range p.Slots {
		offset.Lsh(offset, uint(p.SlotBits))
		offset.Add(offset, half)
	}
	oc := &intOctave{geo: eo.geo}
	r := &heRun{ctx: ctx, pk: pk, workers: workers, prog: opt.Progress, pack: p}
	ev := pk.NewEvaluator()
	decs := make([]*paillier.Decrypter, workers)
	evs := make([]*paillier.Evaluator, workers)
	for i := range workers {
		decs[i], evs[i] = sk.NewDecrypter(), ev.Clone()
	}
	mask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(p.SlotBits)), big.NewInt(1))
	rows := func() int {
		for _, im := range eo.Images {
			return im.plane.rows * p.Slots
		}
		return 0
	}()
	w := eo.geo.W
	for i := range DoGLevels {
		oc.D[i] = newPlane(w, rows)
	}
	if base != nil {
		oc.L[0] = *base
	} else {
		oc.L[0] = newPlane(w, rows)
	}
	target := func(part int) plane {
		if part < 0 {
			return oc.L[0]
		}
		return oc.D[part]
	}
	for _, im := range eo.Images {
		in := im.plane
		err := r.parallel(StageDecrypt, len(in.c), done, total, func(wk, i int) error {
			g, x := i/in.w, i%in.w
			var c paillier.Ciphertext
			if _, err := evs[wk].AddPlain(&c, in.c[i], offset); err != nil {
				return err
			}
			m := new(big.Int)
			if err := decs[wk].Decrypt(m, &c); err != nil {
				return err
			}
			v, low, wmask := new(big.Int), new(big.Int), new(big.Int)
			for s := range p.Slots {
				v.Rsh(m, uint(s*p.SlotBits)).And(v, mask).Sub(v, half)
				for j, part := range im.Parts {
					width := uint(im.Widths[j])
					// Signed low width bits, then drop them (exact division).
					wmask.Lsh(big.NewInt(1), width)
					low.Mod(v, wmask)
					if low.Bit(int(width)-1) == 1 {
						low.Sub(low, wmask)
					}
					if part >= 0 || base == nil {
						target(part).v[(s*in.rows+g)*in.w+x] = i128FromBig(low)
					}
					v.Sub(v, low).Rsh(v, width)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	reconstruct(oc)
	return oc, nil
}

// HEResult is the outcome of EncryptedPyramid.
type HEResult struct {
	Pyramid *Pyramid
	Stats   HEStats
	octs    []intOctave
}

// EncryptedPyramid runs the whole encrypted-domain scale space of Fig. 2(d):
// the key holder encrypts the image (packed, once per octave), the server
// computes L_0 and the DoG images homomorphically with the public key only,
// and the key holder decrypts them and rebuilds the pyramid, which is then
// bit-identical to the plaintext one (Pyramid).
func (d *Detector) EncryptedPyramid(ctx context.Context, sk *paillier.PrivateKey, img *Gray, opt HEOptions) (*HEResult, error) {
	if img == nil || img.W <= 0 || img.H <= 0 || len(img.Pix) != img.W*img.H {
		return nil, ErrImage
	}
	if opt.Random == nil {
		return nil, fmt.Errorf("sift: HEOptions.Random is required")
	}
	n, err := d.octaves(img.W, img.H)
	if err != nil {
		return nil, err
	}
	pk := sk.Public()
	res := &HEResult{Stats: HEStats{Seconds: map[string]float64{}, CPUSeconds: map[string]float64{}}}
	t0, c0 := time.Now(), processCPU()
	planes, packs, err := EncryptImage(ctx, pk, img, n, opt)
	if err != nil {
		return nil, err
	}
	res.Stats.Seconds[StageEncrypt] = time.Since(t0).Seconds()
	res.Stats.CPUSeconds[StageEncrypt] = processCPU() - c0
	res.Stats.Packings = packs
	geo := layout(img.W, img.H, n)
	var ops atomic.Int64
	t0, c0 = time.Now(), processCPU()
	eos := make([]*EncryptedOctave, n)
	work := 0
	for o := range n {
		work += workCount(geo, o, packs[o])
	}
	prog := new(atomic.Int64)
	for o := range n {
		res.Stats.Encryptions += packs[o].Cells
		if eos[o], err = encryptedDoG(ctx, pk, geo, o, planes[o], packs[o], opt, &ops, prog, work); err != nil {
			return nil, err
		}
	}
	res.Stats.Seconds[StageDoG] = time.Since(t0).Seconds()
	res.Stats.CPUSeconds[StageDoG] = processCPU() - c0
	res.Stats.HomOps = ops.Load()
	t0, c0 = time.Now(), processCPU()
	total := 0
	for o := range n {
		total += eos[o].Decryptions()
	}
	var done atomic.Int64
	for o := range n {
		var base *plane
		if o > 0 {
			rows := eos[o].L0.rows * packs[o].Slots
			b := res.octs[o-1].L[3].downsample(geo[o].Phase, rows)
			base = &b
		}
		oc, err := DecryptOctave(ctx, sk, eos[o], opt, &done, total, base)
		if err != nil {
			return nil, err
		}
		oc.geo = geo[o]
		res.octs = append(res.octs, *oc)
		res.Stats.Decryptions += eos[o].Decryptions()
	}
	res.Stats.Seconds[StageDecrypt] = time.Since(t0).Seconds()
	res.Stats.CPUSeconds[StageDecrypt] = processCPU() - c0
	res.Pyramid = pyramidFromInt(res.octs)
	return res, nil
}
