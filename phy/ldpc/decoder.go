package ldpc

import (
	"fmt"
	"math"
)

// Algorithm selects the check-node update of the layered decoder.
type Algorithm int

const (
	// NormalizedMinSum scales the min-sum magnitude by Scale (default 0.75).
	NormalizedMinSum Algorithm = iota
	// OffsetMinSum subtracts Offset (default 0.5) from the min-sum magnitude,
	// floored at 0.
	OffsetMinSum
	// MinSum is plain min-sum (no correction).
	MinSum
	// SumProduct is the exact belief-propagation (box-plus) update, evaluated
	// with φ(x) = −ln tanh(x/2); slow, kept as the reference for the min-sum variants.
	SumProduct
)

var algNames = [...]string{"nms", "oms", "ms", "sp"}

// String returns "nms", "oms", "ms" or "sp".
func (a Algorithm) String() string {
	if a >= 0 && int(a) < len(algNames) {
		return algNames[a]
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// MarshalText implements encoding.TextMarshaler.
func (a Algorithm) MarshalText() ([]byte, error) {
	if a < 0 || int(a) >= len(algNames) {
		return nil, fmt.Errorf("ldpc: invalid algorithm %d", int(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText accepts "nms", "oms", "ms" and "sp" (and the long forms
// "normalized-min-sum", "offset-min-sum", "min-sum", "sum-product").
func (a *Algorithm) UnmarshalText(text []byte) error {
	switch string(text) {
	case "nms", "normalized-min-sum":
		*a = NormalizedMinSum
	case "oms", "offset-min-sum":
		*a = OffsetMinSum
	case "ms", "min-sum":
		*a = MinSum
	case "sp", "sum-product", "bp":
		*a = SumProduct
	default:
		return fmt.Errorf("ldpc: unknown decoder algorithm %q (want nms, oms, ms or sp)", text)
	}
	return nil
}

// Default corrections of the min-sum variants. 0.75 and 0.5 are the usual
// choices for layered decoding of the 5G NR codes at LLR scale (e.g. the
// defaults of MATLAB's nrLDPCDecode); BLER tests check them against reference
// curves.
const (
	DefaultScale  = 0.75
	DefaultOffset = 0.5
)

// DecoderConfig is an unchecked description of a decoder.
type DecoderConfig struct {
	Algorithm     Algorithm `json:"algorithm"`
	MaxIterations int       `json:"max_iterations"` // ≥ 1; one iteration visits every layer once
	// Scale is the NormalizedMinSum factor in (0, 1]; 0 means DefaultScale.
	Scale float32 `json:"scale,omitempty"`
	// Offset is the OffsetMinSum offset ≥ 0 in LLR units; 0 means DefaultOffset.
	Offset float32 `json:"offset,omitempty"`
	// NoEarlyStop disables the syndrome check after each iteration, so every
	// codeword takes MaxIterations (for fixed-work benchmarks).
	NoEarlyStop bool `json:"no_early_stop,omitempty"`
	// Float runs the min-sum variants in float32 instead of the default
	// 16-bit fixed point (LLR step 1/8, see layerq.go). SumProduct is
	// always float32.
	Float bool `json:"float,omitempty"`
}

// Result describes the decoding of the last codeword.
type Result struct {
	Iterations int  `json:"iterations"`
	Converged  bool `json:"converged"` // every parity check satisfied
}

// Stats accumulates decoding outcomes over many codewords. An unconverged
// codeword is an outcome to count, not an error.
type Stats struct {
	Blocks      int `json:"blocks"`
	Unconverged int `json:"unconverged"`
	Iterations  int `json:"iterations"`
}

// Decoder is a layered (row-by-row) belief-propagation decoder on LLRs with
// early termination. LLRs follow L = ln(P(b=0)/P(b=1)): positive means 0.
// Min-sum variants run in 16-bit fixed point unless DecoderConfig.Float is
// set. It holds scratch space; use Clone for one Decoder per goroutine.
type Decoder struct {
	c      *Code
	cfg    DecoderConfig
	rowOff []int // first edge of each row
	maxDeg int
	cols   int // codeword columns that Decode's rate recovery fills

	// float32 state (nil when q is used)
	zp     int       // Z rounded up to a multiple of laneWidth
	l      []float32 // posteriors (CodewordLen)
	r      []float32 // check messages (edges·zp, lane order of the gathered vectors)
	x      []float32 // gathered posteriors / extrinsics of one layer (maxDeg·zp)
	k1, k2 []uint32  // per-lane smallest and second smallest min-sum key (see layer)
	m1, m2 []float32 // per-lane corrected magnitudes from k1, k2
	sum    []float32 // per-lane Σφ(|t|) for SumProduct
	sgn    []uint32  // per-lane XOR of extrinsic sign bits
	psgn   []uint32  // per-lane XOR of posterior sign bits (the row syndrome)
	acc    []float32 // rate-recovery buffer (CodewordLen)
	q      *qstate   // fixed-point state; nil for the float32 decoder
	last   Result
	stats  Stats
}

// Decoder returns a decoder for c running alg for at most maxIter iterations
// with the default corrections. It panics if maxIter < 1 or alg is unknown;
// use NewDecoder for checked construction.
func (c *Code) Decoder(alg Algorithm, maxIter int) *Decoder {
	d, err := c.NewDecoder(DecoderConfig{Algorithm: alg, MaxIterations: maxIter})
	if err != nil {
		panic(err)
	}
	return d
}

// NewDecoder validates cfg and returns a decoder for c.
func (c *Code) NewDecoder(cfg DecoderConfig) (*Decoder, error) {
	if cfg.Algorithm < 0 || int(cfg.Algorithm) >= len(algNames) {
		return nil, fmt.Errorf("ldpc: unknown decoder algorithm %d", int(cfg.Algorithm))
	}
	if cfg.MaxIterations < 1 {
		return nil, fmt.Errorf("ldpc: MaxIterations = %d, want ≥ 1", cfg.MaxIterations)
	}
	if cfg.Scale == 0 {
		cfg.Scale = DefaultScale
	}
	if cfg.Offset == 0 {
		cfg.Offset = DefaultOffset
	}
	if !(cfg.Scale > 0 && cfg.Scale <= 1) {
		return nil, fmt.Errorf("ldpc: Scale = %v, want in (0, 1]", cfg.Scale)
	}
	if !(cfg.Offset >= 0) || math.IsInf(float64(cfg.Offset), 0) {
		return nil, fmt.Errorf("ldpc: Offset = %v, want finite ≥ 0", cfg.Offset)
	}
	d := &Decoder{c: c, cfg: cfg, rowOff: make([]int, len(c.rows)+1), cols: c.rvCols[c.cfg.RV]}
	for i, r := range c.rows {
		d.rowOff[i+1] = d.rowOff[i] + len(r.cols)
		d.maxDeg = max(d.maxDeg, len(r.cols))
	}
	d.acc = make([]float32, c.nh)
	if cfg.Algorithm != SumProduct && !cfg.Float {
		d.q = newQState(c, d.rowOff[len(c.rows)], d.maxDeg, cfg)
		return d, nil
	}
	z := (c.z + laneWidth - 1) / laneWidth * laneWidth
	d.zp = z
	d.l = make([]float32, c.nh)
	d.r = make([]float32, d.rowOff[len(c.rows)]*z)
	d.x = make([]float32, d.maxDeg*z)
	d.m1 = make([]float32, z)
	d.m2 = make([]float32, z)
	d.k1 = make([]uint32, z)
	d.k2 = make([]uint32, z)
	d.sum = make([]float32, z)
	d.psgn = make([]uint32, z)
	d.sgn = make([]uint32, z)
	return d, nil
}

// Clone returns a decoder with the same code and configuration and its own
// scratch space and statistics.
func (d *Decoder) Clone() *Decoder {
	n, _ := d.c.NewDecoder(d.cfg)
	return n
}

// Code returns the code d decodes.
func (d *Decoder) Code() *Code { return d.c }

// Config returns the decoder configuration with defaults filled in.
func (d *Decoder) Config() DecoderConfig { return d.cfg }

// Result reports the outcome of the last decoded codeword.
func (d *Decoder) Result() Result { return d.last }

// Stats returns the outcomes accumulated since the decoder was made or
// ResetStats was called.
func (d *Decoder) Stats() Stats { return d.stats }

// ResetStats clears the accumulated statistics.
func (d *Decoder) ResetStats() { d.stats = Stats{} }

// OutLen reports how many bits Decode produces for n LLRs: n/E code blocks
// of K bits each.
func (d *Decoder) OutLen(n int) int { return n / d.c.e * d.c.kInfo }

// Decode decodes src, a whole number of E-LLR code blocks as produced by
// the demapper for Encoder.Encode's output, appends K hard-decided
// information bits per block (one per byte) to dst[:0] and returns it.
// Blocks that do not converge still yield their best hard decisions and are
// counted in Stats. It allocates only when cap(dst) < OutLen(len(src)). It
// returns an error if len(src) is not a multiple of E or an LLR is NaN.
func (d *Decoder) Decode(dst []byte, src []float32) ([]byte, error) {
	c := d.c
	if len(src)%c.e != 0 {
		return dst[:0], fmt.Errorf("ldpc: decoder input of %d LLRs is not a multiple of E = %d", len(src), c.e)
	}
	for i, v := range src {
		if v != v {
			return dst[:0], fmt.Errorf("ldpc: decoder input LLR %d is NaN", i)
		}
	}
	out := d.OutLen(len(src))
	if cap(dst) < out {
		dst = make([]byte, out)
	}
	dst = dst[:out]
	for b := 0; b < len(src)/c.e; b++ {
		clear(d.acc[:d.cols*c.z]) // RateRecover touches nothing beyond
		c.RateRecover(d.acc, src[b*c.e:(b+1)*c.e], c.cfg.RV)
		d.decode(dst[b*c.kInfo:(b+1)*c.kInfo], d.acc, d.cols)
	}
	return dst, nil
}

// fillerLLR is the LLR given to known-zero filler bits: large enough to
// dominate every min-sum comparison, small enough that sums stay finite.
// Channel LLRs are clipped to ±maxLLR.
const (
	fillerLLR = 1e4
	maxLLR    = 1e4
)

// DecodeCodeword decodes the CodewordLen() channel LLRs llr (as filled by
// RateRecover: zero for punctured and untransmitted bits; filler positions
// are ignored and treated as known zeros; values are clipped to ±1e4) and writes the K hard-decided
// information bits to dst, which it returns. If dst is nil it is allocated;
// otherwise len(dst) must be K and len(llr) CodewordLen(), or it panics.
// It does not allocate when dst is non-nil.
func (d *Decoder) DecodeCodeword(dst []byte, llr []float32) []byte {
	c := d.c
	z, kb := c.z, c.d.kb
	if len(llr) != c.nh {
		panic("ldpc: codeword length mismatch")
	}
	if dst == nil {
		dst = make([]byte, c.kInfo)
	}
	if len(dst) != c.kInfo {
		panic("ldpc: information length mismatch")
	}
	// Rows whose degree-1 extension column carries no information send only
	// zero messages (min-sum and BP alike), so they are skipped exactly.
	lastCol := c.d.cols - 1
	for ; lastCol > kb+3; lastCol-- {
		if anyNonZero(llr[lastCol*z : (lastCol+1)*z]) {
			break
		}
	}
	d.decode(dst, llr, lastCol+1)
	return dst
}

// decode decodes llr using codeword columns below cols only.
func (d *Decoder) decode(dst []byte, llr []float32, cols int) {
	var res Result
	if d.q != nil {
		res = d.decodeQ(dst, llr, cols-d.c.d.kb)
	} else {
		res = d.decodeFloat(dst, llr, cols-d.c.d.kb)
	}
	d.last = res
	d.stats.Blocks++
	d.stats.Iterations += res.Iterations
	if !res.Converged {
		d.stats.Unconverged++
	}
}

func (d *Decoder) decodeFloat(dst []byte, llr []float32, nrows int) Result {
	c := d.c
	// Clip so that ±Inf inputs cannot create NaN (Inf − Inf) in the updates.
	for i, v := range llr[:(nrows+c.d.kb)*c.z] {
		d.l[i] = min(max(v, -maxLLR), maxLLR)
	}
	for i := c.kInfo; i < c.kFull; i++ {
		d.l[i] = fillerLLR
	}
	clear(d.r[:d.rowOff[nrows]*d.zp])

	res := Result{}
	for it := 1; it <= d.cfg.MaxIterations; it++ {
		failed := 0
		for m := 0; m < nrows; m++ {
			if !d.layer(m) {
				failed++
			}
		}
		res.Iterations = it
		// The layers report the syndrome of the posteriors they read. When
		// few rows failed, the updates may have fixed them: check the final
		// posteriors exactly (a full check every iteration would cost about
		// a fifth of an iteration). After the first iteration the rows that
		// read the still-unknown punctured bits always fail, so check then too.
		if (failed <= nrows/4 || it == 1) && !d.cfg.NoEarlyStop && d.syndromeOK(nrows) {
			res.Converged = true
			break
		}
	}
	if d.cfg.NoEarlyStop {
		res.Converged = d.syndromeOK(nrows)
	}
	for i := range dst {
		dst[i] = byte(math.Float32bits(d.l[i]) >> 31)
	}
	return res
}

func anyNonZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return true
		}
	}
	return false
}

// syndromeOK reports whether the hard decisions of d.l satisfy rows 0..nrows−1.
func (d *Decoder) syndromeOK(nrows int) bool {
	c := d.c
	z := c.z
	par := d.sgn[:z]
	for m := 0; m < nrows; m++ {
		clear(par)
		r := &c.rows[m]
		for k, col := range r.cols {
			s := int(r.shifts[k])
			base := int(col) * z
			xorSigns(par[:z-s], d.l[base+s:base+z])
			xorSigns(par[z-s:], d.l[base:base+s])
		}
		for _, p := range par {
			if p&signBit != 0 {
				return false
			}
		}
	}
	return true
}

func xorSignsGo(dst []uint32, l []float32) {
	l = l[:len(dst)]
	for i := range dst {
		dst[i] ^= math.Float32bits(l[i])
	}
}
