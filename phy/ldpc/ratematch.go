package ldpc

// fillerRange returns the half-open range of circular-buffer indices (indices
// of d in TS 38.212 §5.3.2) that hold filler bits: d_k = c_{k+2Z}, and
// c_{K'}..c_{K−1} are fillers.
func (c *Code) fillerRange() (int, int) {
	return max(c.kInfo-2*c.z, 0), c.kFull - 2*c.z
}

// RateMatch performs bit selection and bit interleaving (TS 38.212 §5.4.2.1,
// §5.4.2.2) with redundancy version rv (0..3): it reads the circular buffer
// d (the codeword cw from EncodeCodeword without its first 2·Z bits, limited
// to Ncb bits) from k0(rv), skips filler bits, repeats cyclically until E
// bits are taken, interleaves them for Qm and writes them to dst, which it
// returns. len(dst) must be E and len(cw) CodewordLen(), or RateMatch
// panics; rv is taken modulo 4. It does not allocate.
func (c *Code) RateMatch(dst, cw []byte, rv int) []byte {
	if len(dst) != c.e {
		panic("ldpc: rate-matching destination length mismatch")
	}
	if len(cw) != c.nh {
		panic("ldpc: codeword length mismatch")
	}
	d := cw[2*c.z : 2*c.z+c.ncb]
	fStart, fEnd := c.fillerRange()
	// e_k goes to f_{(k mod E/Qm)·Qm + k/(E/Qm)} (§5.4.2.2), kept incrementally.
	idx := c.k0[rv&3]
	f := 0
	for k := 0; k < c.e; {
		if idx >= fStart && idx < fEnd {
			idx = fEnd
			if idx == c.ncb {
				idx = 0
			}
			continue
		}
		dst[f] = d[idx]
		k++
		if f += c.qm; f >= c.e {
			f -= c.e - 1
		}
		idx++
		if idx == c.ncb {
			idx = 0
		}
	}
	return dst
}

// RateRecover undoes RateMatch on soft values: it de-interleaves the E LLRs
// of llr (redundancy version rv) and adds each to its codeword position in
// acc, so repeated bits and retransmissions with other redundancy versions
// combine (chase combining / incremental redundancy). acc has CodewordLen()
// entries and is not cleared; punctured and filler positions are left
// unchanged (DecodeCodeword handles them). len(llr) must be E and len(acc)
// CodewordLen(), or RateRecover panics. It does not allocate.
func (c *Code) RateRecover(acc, llr []float32, rv int) {
	if len(llr) != c.e {
		panic("ldpc: rate-recovery source length mismatch")
	}
	if len(acc) != c.nh {
		panic("ldpc: codeword length mismatch")
	}
	d := acc[2*c.z : 2*c.z+c.ncb]
	fStart, fEnd := c.fillerRange()
	rows := c.e / c.qm
	idx := c.k0[rv&3]
	// Walk e_k in runs that are contiguous in d (no filler, no wrap of the
	// circular buffer) and contiguous in one interleaver column (f steps by
	// Qm): k = i·rows + j goes to f = j·Qm + i.
	for k := 0; k < c.e; {
		if idx >= fStart && idx < fEnd {
			idx = fEnd
		}
		if idx == c.ncb {
			idx = 0
			continue
		}
		end := c.ncb
		if idx < fStart {
			end = fStart
		}
		i, j := k/rows, k%rows
		n := min(end-idx, rows-j, c.e-k)
		src := llr[j*c.qm+i:]
		dd := d[idx : idx+n]
		if c.qm == 1 {
			src = src[:n]
			for t := range dd {
				dd[t] += src[t]
			}
		} else {
			src = src[:(n-1)*c.qm+1]
			for t := range dd {
				dd[t] += src[t*c.qm]
			}
		}
		k += n
		idx += n
	}
}
