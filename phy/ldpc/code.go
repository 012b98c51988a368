package ldpc

import (
	"fmt"
)

// Config is an unchecked, JSON-friendly description of one LDPC code block
// and its rate matching (TS 38.212 §5.3.2, §5.4.2). Zero fields take the
// defaults documented on each field.
type Config struct {
	// K is the number of information bits per code block, K' of §5.2.2
	// (including the code-block CRC, if any): 1 ≤ K ≤ 8448 (BG1) or 3840 (BG2).
	// The encoder appends K_full − K filler bits.
	K int `json:"k"`
	// E is the number of rate-matched output bits per code block (§5.4.2.1).
	// The code rate is K/E.
	E int `json:"e"`
	// BaseGraph is BG1 or BG2; AutoBaseGraph (0) applies SelectBaseGraph with
	// A = K and R = K/E, the rule of §7.2.2 for a single code block.
	BaseGraph BaseGraph `json:"base_graph"`
	// Z is the lifting size; 0 picks the smallest Zc of Table 5.3.2-1 with
	// Kb·Zc ≥ K, Kb chosen from K as §5.2.2 does for B = K. Set it from
	// Segmentation.Z when a transport block has several code blocks.
	Z int `json:"z,omitempty"`
	// Qm is the modulation order used by the bit interleaver of §5.4.2.2
	// (1, 2, 4, 6, 8 or 10); 0 means 1 (no interleaving). E must be a multiple of Qm.
	Qm int `json:"qm,omitempty"`
	// RV is the redundancy version 0..3 selecting the circular-buffer start k0
	// of Table 5.4.2.1-2.
	RV int `json:"rv,omitempty"`
	// Ncb is the circular buffer length; 0 means N (no limited-buffer rate
	// matching, I_LBRM = 0). Otherwise K−Z ≤ Ncb ≤ N, as the caller computes it
	// from §5.4.2.1 with N_ref.
	Ncb int `json:"ncb,omitempty"`
}

// Code is a checked, immutable LDPC code: base graph, lifting size, filler
// bits and rate-matching parameters. It is safe for concurrent use; the
// Encoder and Decoder it makes are not (use Clone per worker).
type Code struct {
	cfg   Config
	bg    BaseGraph
	d     graphDims
	z     int
	ils   int
	kInfo int // K' (cfg.K)
	kFull int // K = kb·Z including filler bits
	n     int // N = (cols−2)·Z, the encoder output d of §5.3.2
	nh    int // cols·Z, the full codeword including the 2Z punctured bits
	ncb   int
	e     int
	qm    int
	k0    [4]int
	// rvCols[rv] is how many leading codeword columns rate matching with
	// redundancy version rv reads (neededCols).
	rvCols [4]int

	rows []row // lifted base graph rows with shifts mod Z
	// core is the order in which the encoder solves the four core parity
	// columns of rows 0..3 (see encoder.go).
	core coreSolve
}

// row is one base-graph row with its shifts P(i,j) = V(i,j) mod Z.
type row struct {
	cols   []int32
	shifts []int32
}

// New validates cfg and returns the Code; the error names the bad field.
func New(cfg Config) (*Code, error) {
	c := &Code{cfg: cfg}
	if cfg.K < 1 {
		return nil, fmt.Errorf("ldpc: K = %d, want ≥ 1", cfg.K)
	}
	if cfg.E < 1 {
		return nil, fmt.Errorf("ldpc: E = %d, want ≥ 1", cfg.E)
	}
	c.bg = cfg.BaseGraph
	switch c.bg {
	case AutoBaseGraph:
		c.bg = SelectBaseGraph(cfg.K, float64(cfg.K)/float64(cfg.E))
	case BG1, BG2:
	default:
		return nil, fmt.Errorf("ldpc: base graph %d, want 0 (auto), 1 or 2", int(cfg.BaseGraph))
	}
	c.d = c.bg.dims()
	if cfg.K > c.d.kcb {
		return nil, fmt.Errorf("ldpc: K = %d exceeds the %v code block maximum %d; segment first (Segment)", cfg.K, c.bg, c.d.kcb)
	}
	c.kInfo = cfg.K
	if cfg.Z == 0 {
		s, err := Segment(cfg.K, c.bg)
		if err != nil {
			return nil, err
		}
		c.z = s.Z
	} else {
		c.z = cfg.Z
		if setIndex(c.z) < 0 {
			return nil, fmt.Errorf("ldpc: Z = %d is not a lifting size of Table 5.3.2-1", c.z)
		}
		if c.d.kb*c.z < cfg.K {
			return nil, fmt.Errorf("ldpc: Z = %d too small for K = %d with %v (need %d·Z ≥ K)", c.z, cfg.K, c.bg, c.d.kb)
		}
	}
	c.ils = setIndex(c.z)
	c.kFull = c.d.kb * c.z
	c.nh = c.d.cols * c.z
	c.n = c.nh - 2*c.z
	c.e = cfg.E
	c.qm = cfg.Qm
	switch c.qm {
	case 0:
		c.qm = 1
	case 1, 2, 4, 6, 8, 10:
	default:
		return nil, fmt.Errorf("ldpc: Qm = %d, want 1, 2, 4, 6, 8 or 10", cfg.Qm)
	}
	if c.e%c.qm != 0 {
		return nil, fmt.Errorf("ldpc: E = %d is not a multiple of Qm = %d", c.e, c.qm)
	}
	if cfg.RV < 0 || cfg.RV > 3 {
		return nil, fmt.Errorf("ldpc: RV = %d, want 0..3", cfg.RV)
	}
	c.ncb = cfg.Ncb
	if c.ncb == 0 {
		c.ncb = c.n
	}
	// The buffer must hold every systematic bit transmitted (d indices below
	// K − 2Z) plus at least one parity column.
	if c.ncb < c.kFull-2*c.z+c.z || c.ncb > c.n {
		return nil, fmt.Errorf("ldpc: Ncb = %d outside [%d, %d]", c.ncb, c.kFull-c.z, c.n)
	}
	// Table 5.4.2.1-2: k0 = floor(num·Ncb/(den·Z))·Z.
	num := [4]int{0, 17, 33, 56}
	den := 66
	if c.bg == BG2 {
		num = [4]int{0, 13, 25, 43}
		den = 50
	}
	for rv := range c.k0 {
		c.k0[rv] = num[rv] * c.ncb / (den * c.z) * c.z
	}
	for rv := range c.rvCols {
		c.rvCols[rv] = c.neededCols(rv)
	}
	ents := bgEntries[c.bg]
	c.rows = make([]row, c.d.rows)
	for _, e := range ents {
		r := &c.rows[e.row]
		r.cols = append(r.cols, int32(e.col))
		r.shifts = append(r.shifts, int32(e.v[c.ils]%c.z))
	}
	var err error
	if c.core, err = planCore(c.rows, c.d.kb, c.z); err != nil {
		return nil, err
	}
	return c, nil
}

// Config returns the configuration c was built from, with defaults filled in.
func (c *Code) Config() Config {
	cfg := c.cfg
	cfg.BaseGraph, cfg.Z, cfg.Qm, cfg.Ncb = c.bg, c.z, c.qm, c.ncb
	return cfg
}

// BaseGraph returns BG1 or BG2.
func (c *Code) BaseGraph() BaseGraph { return c.bg }

// Z returns the lifting size.
func (c *Code) Z() int { return c.z }

// K returns the number of information bits per code block (K').
func (c *Code) K() int { return c.kInfo }

// E returns the number of rate-matched bits per code block.
func (c *Code) E() int { return c.e }

// Filler returns the number of filler bits K − K'.
func (c *Code) Filler() int { return c.kFull - c.kInfo }

// N returns the encoder output length N of §5.3.2 (66·Z for BG1, 50·Z for
// BG2), the codeword without its first 2·Z punctured systematic bits.
func (c *Code) N() int { return c.n }

// CodewordLen returns the full codeword length 68·Z (BG1) or 52·Z (BG2),
// including the 2·Z punctured bits: the length EncodeCodeword writes and
// DecodeCodeword reads.
func (c *Code) CodewordLen() int { return c.nh }

// Rate returns K/E.
func (c *Code) Rate() float64 { return float64(c.kInfo) / float64(c.e) }

// K0 returns the circular-buffer start of redundancy version rv (Table 5.4.2.1-2).
func (c *Code) K0(rv int) int { return c.k0[rv&3] }

// String describes the code, e.g. "BG2 Z=64 K=512 (F=128) E=1024 Qm=2 rv0".
func (c *Code) String() string {
	return fmt.Sprintf("%v Z=%d K=%d (F=%d) E=%d Qm=%d rv%d", c.bg, c.z, c.kInfo, c.Filler(), c.e, c.qm, c.cfg.RV)
}
