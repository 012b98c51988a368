package ldpc

import (
	"fmt"
)

// TBConfig is an unchecked description of the channel coding of one
// transport block on a shared channel (TS 38.212 §7.2 for PDSCH, §6.2 for
// PUSCH): CRC attachment, base-graph selection, code-block segmentation,
// LDPC encoding, rate matching and code-block concatenation.
type TBConfig struct {
	A int `json:"a"` // transport block size in bits, before its CRC (≥ 1)
	G int `json:"g"` // coded bits available for the transport block (all code blocks)
	// R is the target code rate used for base-graph selection (§7.2.2);
	// 0 means A/G.
	R         float64   `json:"r,omitempty"`
	BaseGraph BaseGraph `json:"base_graph,omitempty"` // 0 selects by §7.2.2
	Qm        int       `json:"qm,omitempty"`         // modulation order; 0 means 1
	Layers    int       `json:"layers,omitempty"`     // N_L; 0 means 1
	RV        int       `json:"rv,omitempty"`
}

// TB is a checked transport-block channel coder. It is immutable and safe
// for concurrent use; its encoders and decoders are not (use one per goroutine).
type TB struct {
	cfg    TBConfig
	crc    uint32 // CRC24A if A > 3824, else CRC16 (§7.2.1)
	crcLen int
	seg    Segmentation
	codes  []*Code // per code block (at most two distinct E values)
	eOff   []int   // start of block r in the concatenated output (§5.5)
}

// NewTB validates cfg and returns the transport-block coder.
func NewTB(cfg TBConfig) (*TB, error) {
	if cfg.A < 1 {
		return nil, fmt.Errorf("ldpc: transport block size A = %d, want ≥ 1", cfg.A)
	}
	if cfg.Layers == 0 {
		cfg.Layers = 1
	}
	if cfg.Qm == 0 {
		cfg.Qm = 1
	}
	if cfg.Layers < 1 || cfg.Layers > 4 {
		return nil, fmt.Errorf("ldpc: %d layers, want 1..4 per codeword", cfg.Layers)
	}
	t := &TB{cfg: cfg, crc: crc16, crcLen: 16}
	if cfg.A > 3824 { // §7.2.1
		t.crc, t.crcLen = crc24A, 24
	}
	if cfg.G < 1 || cfg.G%(cfg.Layers*cfg.Qm) != 0 {
		return nil, fmt.Errorf("ldpc: G = %d must be a positive multiple of layers·Qm = %d", cfg.G, cfg.Layers*cfg.Qm)
	}
	r := cfg.R
	if r == 0 {
		r = float64(cfg.A) / float64(cfg.G)
	}
	if !(r > 0 && r <= 1) {
		return nil, fmt.Errorf("ldpc: target code rate %v out of (0, 1]", r)
	}
	bg := cfg.BaseGraph
	if bg == AutoBaseGraph {
		bg = SelectBaseGraph(cfg.A, r)
	}
	t.cfg.BaseGraph, t.cfg.R = bg, r
	var err error
	if t.seg, err = Segment(cfg.A+t.crcLen, bg); err != nil {
		return nil, err
	}
	// §5.4.2.1: E_r for the C code blocks (all scheduled, C' = C).
	c := t.seg.C
	unit := cfg.Layers * cfg.Qm
	units := cfg.G / unit
	if units < c {
		return nil, fmt.Errorf("ldpc: G = %d bits too small for %d code blocks", cfg.G, c)
	}
	var byE = map[int]*Code{}
	off := 0
	for i := 0; i < c; i++ {
		e := unit * (units / c)
		if i > c-units%c-1 {
			e = unit * ((units + c - 1) / c)
		}
		code, ok := byE[e]
		if !ok {
			code, err = New(Config{K: t.seg.KPrime, E: e, BaseGraph: bg, Z: t.seg.Z, Qm: cfg.Qm, RV: cfg.RV})
			if err != nil {
				return nil, err
			}
			byE[e] = code
		}
		t.codes = append(t.codes, code)
		t.eOff = append(t.eOff, off)
		off += e
	}
	t.eOff = append(t.eOff, off)
	return t, nil
}

// Config returns the configuration with defaults and the selected base graph filled in.
func (t *TB) Config() TBConfig { return t.cfg }

// Segmentation returns the code-block segmentation of the transport block.
func (t *TB) Segmentation() Segmentation { return t.seg }

// CRCLen returns the transport-block CRC length: 24 (CRC24A) or 16 (CRC16).
func (t *TB) CRCLen() int { return t.crcLen }

// BlockE returns the rate-matched length E_r of code block r.
func (t *TB) BlockE(r int) int { return t.codes[r].E() }

// TBStats counts transport-block decoding outcomes.
type TBStats struct {
	TBs         int `json:"tbs"`
	TBCRCFails  int `json:"tb_crc_fails"`
	Blocks      int `json:"code_blocks"`
	Unconverged int `json:"unconverged"`  // LDPC decoder did not satisfy all checks
	CBCRCFails  int `json:"cb_crc_fails"` // CRC24B mismatches (C > 1 only)
	Iterations  int `json:"iterations"`   // total decoder iterations
}

// TBEncoder encodes transport blocks; it holds scratch space.
type TBEncoder struct {
	t      *TB
	encs   map[*Code]*Encoder
	b, cbs []byte
}

// Encoder returns a new transport-block encoder.
func (t *TB) Encoder() *TBEncoder {
	e := &TBEncoder{t: t, encs: map[*Code]*Encoder{}, b: make([]byte, t.seg.B), cbs: make([]byte, t.seg.C*t.seg.KPrime)}
	for _, c := range t.codes {
		if e.encs[c] == nil {
			e.encs[c] = c.Encoder()
		}
	}
	return e
}

// OutLen reports the coded length for n payload bits: G bits per A-bit block.
func (e *TBEncoder) OutLen(n int) int { return n / e.t.cfg.A * e.t.cfg.G }

// Encode codes src, a whole number of A-bit transport blocks (one bit per
// byte), appending G bits per block to dst[:0]: CRC attachment (§7.2.1),
// segmentation with CRC24B (§5.2.2), LDPC encoding, rate matching and
// concatenation (§5.5). It allocates only when cap(dst) is short.
func (e *TBEncoder) Encode(dst, src []byte) ([]byte, error) {
	return e.EncodeRV(dst, src, e.t.cfg.RV)
}

// EncodeRV is Encode with redundancy version rv (0..3) instead of the
// Config's: a retransmission of a hybrid-ARQ process, to be combined at the
// receiver in a TBSoftBuffer.
func (e *TBEncoder) EncodeRV(dst, src []byte, rv int) ([]byte, error) {
	t := e.t
	a := t.cfg.A
	if rv < 0 || rv > 3 {
		return dst[:0], fmt.Errorf("ldpc: redundancy version %d, want 0..3", rv)
	}
	if len(src)%a != 0 {
		return dst[:0], fmt.Errorf("ldpc: transport-block input of %d bits is not a multiple of A = %d", len(src), a)
	}
	for i, b := range src {
		if b > 1 {
			return dst[:0], fmt.Errorf("ldpc: input bit %d has value %d, want 0 or 1", i, b)
		}
	}
	out := e.OutLen(len(src))
	if cap(dst) < out {
		dst = make([]byte, out)
	}
	dst = dst[:out]
	for n := 0; n < len(src)/a; n++ {
		tb := src[n*a : (n+1)*a]
		copy(e.b, tb)
		putCRC(e.b[a:], crcBits(t.crc, tb), t.crcLen)
		t.seg.Split(e.cbs, e.b)
		g := dst[n*t.cfg.G : (n+1)*t.cfg.G]
		for r, c := range t.codes {
			blk := e.cbs[r*t.seg.KPrime : (r+1)*t.seg.KPrime]
			if _, err := e.encs[c].EncodeRV(g[t.eOff[r]:t.eOff[r]:t.eOff[r+1]], blk, rv); err != nil {
				return dst[:0], err
			}
		}
	}
	return dst, nil
}

// TBDecoder decodes transport blocks; it holds scratch space and statistics.
type TBDecoder struct {
	t      *TB
	decs   map[*Code]*Decoder
	b, cbs []byte
	stats  TBStats
	lastOK bool
}

// Decoder returns a transport-block decoder running alg for at most
// maxIter iterations per code block; it panics on maxIter < 1.
func (t *TB) Decoder(alg Algorithm, maxIter int) *TBDecoder {
	d := &TBDecoder{t: t, decs: map[*Code]*Decoder{}, b: make([]byte, t.seg.B), cbs: make([]byte, t.seg.C*t.seg.KPrime)}
	for _, c := range t.codes {
		if d.decs[c] == nil {
			d.decs[c] = c.Decoder(alg, maxIter)
		}
	}
	return d
}

// OutLen reports the payload length for n LLRs: A bits per G LLRs.
func (d *TBDecoder) OutLen(n int) int { return n / d.t.cfg.G * d.t.cfg.A }

// Stats returns the accumulated outcomes.
func (d *TBDecoder) Stats() TBStats { return d.stats }

// ResetStats clears the accumulated outcomes.
func (d *TBDecoder) ResetStats() { d.stats = TBStats{} }

// LastCRCOK reports whether the last transport block decoded passed its CRC.
func (d *TBDecoder) LastCRCOK() bool { return d.lastOK }

// Decode decodes src, a whole number of G-LLR transport blocks, appending
// A payload bits per block to dst[:0]. A failed CRC is an outcome, not an
// error: the best-effort bits are returned and Stats counts the failure.
// It returns an error for a length that is not a multiple of G or NaN LLRs.
func (d *TBDecoder) Decode(dst []byte, src []float32) ([]byte, error) {
	t := d.t
	g, a := t.cfg.G, t.cfg.A
	if len(src)%g != 0 {
		return dst[:0], fmt.Errorf("ldpc: transport-block input of %d LLRs is not a multiple of G = %d", len(src), g)
	}
	out := d.OutLen(len(src))
	if cap(dst) < out {
		dst = make([]byte, out)
	}
	dst = dst[:out]
	for n := 0; n < len(src)/g; n++ {
		llr := src[n*g : (n+1)*g]
		for r, c := range t.codes {
			dec := d.decs[c]
			blk := d.cbs[r*t.seg.KPrime : (r+1)*t.seg.KPrime]
			before := dec.Stats()
			if _, err := dec.Decode(blk[:0], llr[t.eOff[r]:t.eOff[r+1]]); err != nil {
				return dst[:0], err
			}
			d.countBlock(before, dec.Stats())
		}
		d.join(dst[n*a : (n+1)*a])
	}
	return dst, nil
}

// countBlock adds one code block's decoding, the difference of its
// decoder's statistics, to d's.
func (d *TBDecoder) countBlock(before, after Stats) {
	d.stats.Blocks++
	d.stats.Unconverged += after.Unconverged - before.Unconverged
	d.stats.Iterations += after.Iterations - before.Iterations
}

// join desegments the decoded code blocks into the A payload bits of dst
// and checks the transport-block CRC.
func (d *TBDecoder) join(dst []byte) {
	t := d.t
	_, bad := t.seg.Join(d.b, d.cbs)
	d.stats.CBCRCFails += bad
	copy(dst, d.b[:t.cfg.A])
	d.lastOK = crcBits(t.crc, d.b[:t.cfg.A]) == getCRC(d.b[t.cfg.A:], t.crcLen)
	d.stats.TBs++
	if !d.lastOK {
		d.stats.TBCRCFails++
	}
}

// A TBSoftBuffer is the hybrid-ARQ soft buffer of one transport block
// (TS 38.321 §5.3.2): the LLRs of every transmission received so far,
// added up per code block in codeword order, so that a repeated redundancy
// version is chase-combined and new ones add incremental redundancy. It
// holds the full circular buffer (no limited-buffer rate matching).
type TBSoftBuffer struct {
	t    *TB
	acc  []float32 // C code blocks of CodewordLen() each
	off  []int     // start of code block r in acc
	cols []int     // codeword columns the transmissions reached, per block
	n    int       // transmissions combined
}

// NewSoftBuffer returns an empty soft buffer for t's transport blocks.
func (t *TB) NewSoftBuffer() *TBSoftBuffer {
	b := &TBSoftBuffer{t: t, off: make([]int, len(t.codes)+1), cols: make([]int, len(t.codes))}
	for r, c := range t.codes {
		b.off[r+1] = b.off[r] + c.nh
	}
	b.acc = make([]float32, b.off[len(t.codes)])
	return b
}

// Reset empties the buffer for a new transport block (a new data
// indicator).
func (b *TBSoftBuffer) Reset() {
	clear(b.acc)
	clear(b.cols)
	b.n = 0
}

// Transmissions reports how many transmissions the buffer combines.
func (b *TBSoftBuffer) Transmissions() int { return b.n }

// Add combines one transmission of the transport block, G channel LLRs
// sent with redundancy version rv (TBEncoder.EncodeRV). It returns an error
// for a wrong length, an rv outside 0..3 or a NaN LLR, and then leaves the
// buffer unchanged.
func (b *TBSoftBuffer) Add(llr []float32, rv int) error {
	t := b.t
	if len(llr) != t.cfg.G {
		return fmt.Errorf("ldpc: soft-buffer input of %d LLRs, want G = %d", len(llr), t.cfg.G)
	}
	if rv < 0 || rv > 3 {
		return fmt.Errorf("ldpc: redundancy version %d, want 0..3", rv)
	}
	for i, v := range llr {
		if v != v {
			return fmt.Errorf("ldpc: soft-buffer input LLR %d is NaN", i)
		}
	}
	for r, c := range t.codes {
		c.RateRecover(b.acc[b.off[r]:b.off[r+1]], llr[t.eOff[r]:t.eOff[r+1]], rv)
		b.cols[r] = max(b.cols[r], c.rvCols[rv])
	}
	b.n++
	return nil
}

// DecodeSoft decodes the transport block combined in b, writing its A
// payload bits to dst[:0]; LastCRCOK and Stats report the outcome as for
// Decode. For a buffer holding one transmission with the Config's
// redundancy version it decodes exactly as Decode. It returns an error for
// a buffer of another TB or one with no transmission.
func (d *TBDecoder) DecodeSoft(dst []byte, b *TBSoftBuffer) ([]byte, error) {
	t := d.t
	if b.t != t {
		return dst[:0], fmt.Errorf("ldpc: soft buffer of another transport-block coder")
	}
	if b.n == 0 {
		return dst[:0], fmt.Errorf("ldpc: soft buffer holds no transmission")
	}
	if cap(dst) < t.cfg.A {
		dst = make([]byte, t.cfg.A)
	}
	dst = dst[:t.cfg.A]
	for r, c := range t.codes {
		dec := d.decs[c]
		before := dec.Stats()
		dec.decode(d.cbs[r*t.seg.KPrime:(r+1)*t.seg.KPrime], b.acc[b.off[r]:b.off[r+1]], b.cols[r])
		d.countBlock(before, dec.Stats())
	}
	d.join(dst)
	return dst, nil
}
