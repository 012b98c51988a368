package ldpc

import "fmt"

// coreSolve is the plan for the four core parity columns kb..kb+3 of rows
// 0..3 (TS 38.212 §5.3.2). Summing rows 0..3 cancels every core column but
// kb, which keeps a single shift x, so c_kb = P^−x·Σλ_i; each remaining core
// column then follows from a row with one unknown (the dual-diagonal chain).
type coreSolve struct {
	x     int
	steps [3]coreStep
}

type coreStep struct {
	row, col int // row of H solved for the unknown column col
	shift    int // shift of (row, col)
}

// planCore derives the core solve order from the lifted rows and checks the
// structure it relies on.
func planCore(rows []row, kb, z int) (coreSolve, error) {
	var cs coreSolve
	// Shift multiset of each core column over rows 0..3, pairs cancel.
	for col := kb; col < kb+4; col++ {
		var odd []int
		for i := 0; i < 4; i++ {
			for k, cc := range rows[i].cols {
				if int(cc) != col {
					continue
				}
				s := int(rows[i].shifts[k])
				found := -1
				for n, o := range odd {
					if o == s {
						found = n
					}
				}
				if found >= 0 {
					odd = append(odd[:found], odd[found+1:]...)
				} else {
					odd = append(odd, s)
				}
			}
		}
		switch {
		case col == kb && len(odd) == 1:
			cs.x = odd[0]
		case col != kb && len(odd) == 0:
		default:
			return cs, fmt.Errorf("ldpc: Z = %d: core parity column %d does not cancel as §5.3.2 requires", z, col)
		}
	}
	known := map[int]bool{kb: true}
	for n := 0; n < 3; n++ {
		ok := false
		for i := 0; i < 4 && !ok; i++ {
			unknown, cnt, sh := -1, 0, 0
			for k, cc := range rows[i].cols {
				if int(cc) >= kb && int(cc) < kb+4 && !known[int(cc)] {
					unknown, sh = int(cc), int(rows[i].shifts[k])
					cnt++
				}
			}
			if cnt == 1 {
				cs.steps[n] = coreStep{row: i, col: unknown, shift: sh}
				known[unknown] = true
				ok = true
			}
		}
		if !ok {
			return cs, fmt.Errorf("ldpc: Z = %d: core parity part is not dual-diagonal", z)
		}
	}
	return cs, nil
}

// rotXor adds (XOR) the block src cyclically shifted by s into dst:
// dst[r] ^= src[(r+s) mod Z], the contribution of a block whose Z×Z matrix is
// the identity shifted right by s.
func rotXor(dst, src []byte, s int) {
	z := len(dst)
	a, b := dst[:z-s], src[s:z]
	for i := range a {
		a[i] ^= b[i]
	}
	a, b = dst[z-s:], src[:s]
	for i := range a {
		a[i] ^= b[i]
	}
}

// unrot writes dst[(r+s) mod Z] = src[r], solving P^s·dst = src.
func unrot(dst, src []byte, s int) {
	z := len(dst)
	copy(dst[s:], src[:z-s])
	copy(dst[:s], src[z-s:])
}

// Encoder is the systematic LDPC encoder of TS 38.212 §5.3.2 followed by rate
// matching (§5.4.2). It holds scratch space: one Encoder per goroutine (Clone).
type Encoder struct {
	c   *Code
	cw  []byte // full codeword scratch
	lam []byte // 4·Z partial syndromes of rows 0..3
	tmp []byte // Z bytes
}

// Encoder returns a new Encoder for c.
func (c *Code) Encoder() *Encoder {
	return &Encoder{c: c, cw: make([]byte, c.nh), lam: make([]byte, 4*c.z), tmp: make([]byte, c.z)}
}

// Clone returns an Encoder sharing c's tables with its own scratch space.
func (e *Encoder) Clone() *Encoder { return e.c.Encoder() }

// Code returns the code e encodes.
func (e *Encoder) Code() *Code { return e.c }

// OutLen reports how many bits Encode produces for n information bits:
// n/K code blocks of E bits each (a packet kernel, rate E:K).
func (e *Encoder) OutLen(n int) int { return n / e.c.kInfo * e.c.e }

// Encode encodes src, a whole number of K-bit code blocks (one bit per byte,
// 0 or 1), appends E rate-matched bits per block (redundancy version and
// interleaving from the Config) to dst[:0] and returns it. It allocates only
// when cap(dst) < OutLen(len(src)). It returns an error if len(src) is not a
// multiple of K or a byte is not 0 or 1.
func (e *Encoder) Encode(dst, src []byte) ([]byte, error) {
	return e.EncodeRV(dst, src, e.c.cfg.RV)
}

// EncodeRV is Encode with redundancy version rv (0..3) instead of the
// Config's: the transmissions of a hybrid-ARQ process (TS 38.214 §5.1.2.1
// sends rv 0, 2, 3, 1 in turn).
func (e *Encoder) EncodeRV(dst, src []byte, rv int) ([]byte, error) {
	c := e.c
	if rv < 0 || rv > 3 {
		return dst[:0], fmt.Errorf("ldpc: redundancy version %d, want 0..3", rv)
	}
	if len(src)%c.kInfo != 0 {
		return dst[:0], fmt.Errorf("ldpc: encoder input of %d bits is not a multiple of K = %d", len(src), c.kInfo)
	}
	for i, b := range src {
		if b > 1 {
			return dst[:0], fmt.Errorf("ldpc: encoder input bit %d has value %d, want 0 or 1", i, b)
		}
	}
	out := e.OutLen(len(src))
	if cap(dst) < out {
		dst = make([]byte, out)
	}
	dst = dst[:out]
	for b := 0; b < len(src)/c.kInfo; b++ {
		e.encode(src[b*c.kInfo:(b+1)*c.kInfo], c.rvCols[rv])
		c.RateMatch(dst[b*c.e:(b+1)*c.e], e.cw, rv)
	}
	return dst, nil
}

// EncodeCodeword writes the full codeword of TS 38.212 §5.3.2 for the K
// information bits info into dst and returns dst: CodewordLen() bits, one
// per byte, with the filler positions K'..K−1 set to 0 and the 2·Z punctured
// systematic bits included. If dst is nil it is allocated; otherwise
// len(dst) must be CodewordLen() and len(info) must be K or it panics.
// Bytes of info other than 0/1 are taken modulo 2. info and dst must not overlap.
func (e *Encoder) EncodeCodeword(dst, info []byte) []byte {
	c := e.c
	if len(info) != c.kInfo {
		panic("ldpc: information length mismatch")
	}
	if dst == nil {
		dst = make([]byte, c.nh)
	}
	if len(dst) != c.nh {
		panic("ldpc: codeword length mismatch")
	}
	e.encode(info, c.d.cols)
	copy(dst, e.cw)
	return dst
}

// encode fills e.cw with the codeword columns 0..cols−1 for info.
func (e *Encoder) encode(info []byte, cols int) {
	c, z, kb := e.c, e.c.z, e.c.d.kb
	cw := e.cw
	for i, b := range info {
		cw[i] = b & 1
	}
	clear(cw[c.kInfo:c.kFull]) // filler bits are 0 for encoding (§5.3.2)
	// Partial syndromes of rows 0..3 over the systematic columns.
	lam := e.lam
	clear(lam)
	for i := 0; i < 4; i++ {
		r := &c.rows[i]
		li := lam[i*z : (i+1)*z]
		for k, col := range r.cols {
			if int(col) < kb {
				rotXor(li, cw[int(col)*z:int(col+1)*z], int(r.shifts[k]))
			}
		}
	}
	// Core column kb from the sum of rows 0..3.
	p := cw[kb*z : (kb+1)*z]
	sum := e.tmp
	copy(sum, lam[:z])
	for i := 1; i < 4; i++ {
		li := lam[i*z : (i+1)*z]
		for r := range sum {
			sum[r] ^= li[r]
		}
	}
	unrot(p, sum, c.core.x)
	known := [4]bool{true}
	for _, st := range c.core.steps {
		rhs := sum
		copy(rhs, lam[st.row*z:(st.row+1)*z])
		r := &c.rows[st.row]
		for k, col := range r.cols {
			ci := int(col) - kb
			if ci >= 0 && ci < 4 && known[ci] {
				rotXor(rhs, cw[int(col)*z:int(col+1)*z], int(r.shifts[k]))
			}
		}
		unrot(cw[st.col*z:(st.col+1)*z], rhs, st.shift)
		known[st.col-kb] = true
	}
	// Extension rows: column kb+m has the single entry (m, kb+m) with shift 0.
	for m := 4; m < cols-kb; m++ {
		r := &c.rows[m]
		out := cw[(kb+m)*z : (kb+m+1)*z]
		clear(out)
		for k, col := range r.cols[:len(r.cols)-1] {
			rotXor(out, cw[int(col)*z:int(col+1)*z], int(r.shifts[k]))
		}
	}
}

// neededCols returns how many leading codeword columns rate matching with
// redundancy version rv reads (at least kb+4, the core).
func (c *Code) neededCols(rv int) int {
	maxIdx := -1
	k0 := c.k0[rv]
	fStart, fEnd := c.fillerRange()
	j := 0
	for k := 0; k < c.e; j++ {
		idx := (k0 + j) % c.ncb
		if idx >= fStart && idx < fEnd {
			continue
		}
		if idx > maxIdx {
			maxIdx = idx
		}
		k++
		if maxIdx == c.ncb-1 {
			break
		}
	}
	cols := (2*c.z + maxIdx + c.z) / c.z
	return max(cols, c.d.kb+4)
}
