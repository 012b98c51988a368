package he

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/tuneinsight/lattigo/v5/ring"
)

// The batch-major circuit never rotates, so after encryption every step is
// coefficient-wise in the NTT domain: conv and FC are multiply-adds of
// residues by small signed integers, the square is a coefficient-wise tensor
// product. The kernels below do these with lazy modular reduction: products
// of a residue x < q < 2^61 by an integer |c| < 2^40 are summed exactly in
// 128 bits (hi, lo) and reduced once per output. For a negative c the term
// |c|·(q − x) ≡ c·x is added instead, so the accumulator only grows and
// hi < Σ|c|·q/2^64 < q holds for any realistic number of terms, which is what
// reduce128 needs.

// blockLen is the number of coefficients one kernel call processes: the
// accumulators of a feature (3 polys) and of its conv outputs (2 polys) in
// 128 bits stay in L1 (5·2·8·128 B = 10 KiB).
const blockLen = 128

// modulus holds the constants to reduce modulo one prime q.
type modulus struct {
	q    uint64
	bred []uint64 // Barrett constant floor(2^128/q) (Lattigo ring.BRedConstant)
	qInv uint64   // q^-1 mod 2^64 (Lattigo ring.MRedConstant)
	r128 uint64   // 2^128 mod q
}

func newModulus(q uint64) modulus {
	r64 := (^uint64(0))%q + 1 // 2^64 mod q (may equal q, harmless)
	return modulus{q: q, bred: ring.BRedConstant(q), qInv: ring.MRedConstant(q),
		r128: ring.BRed(r64%q, r64%q, q, ring.BRedConstant(q))}
}

// reduce128 returns (hi·2^64 + lo) mod q; it needs hi < q. A Montgomery
// step divides the 128-bit value by 2^64 exactly (lo cancels), a second
// one multiplies by 2^128/2^64: three 64-bit products instead of the six of
// two Barrett reductions.
func (m *modulus) reduce128(hi, lo uint64) uint64 {
	t, _ := bits.Mul64(lo*m.qInv, m.q) // high word of (lo·q⁻¹ mod 2^64)·q
	r := hi - t + m.q                  // (hi·2^64 + lo)/2^64 mod q, in (0, 2q)
	if r >= m.q {
		r -= m.q
	}
	return ring.MRed(r, m.r128, m.q, m.qInv)
}

// mac adds c·x[j] to the 128-bit accumulators (hi[j], lo[j]); x holds
// residues modulo q. The three slices must have the same length.
func mac(hi, lo, x []uint64, c int64, q uint64) {
	n := len(x)
	hi, lo = hi[:n], lo[:n]
	if c >= 0 {
		u := uint64(c)
		for j, v := range x {
			h, l := bits.Mul64(u, v)
			var carry uint64
			lo[j], carry = bits.Add64(lo[j], l, 0)
			hi[j] += h + carry
		}
		return
	}
	u := uint64(-c)
	for j, v := range x {
		h, l := bits.Mul64(u, q-v)
		var carry uint64
		lo[j], carry = bits.Add64(lo[j], l, 0)
		hi[j] += h + carry
	}
}

// sqAcc adds the tensor square of (y0, y1) to the degree-2 accumulators:
// d0 += y0², d1 += 2·y0·y1, d2 += y1². Inputs are residues below q < 2^61,
// so up to four squares keep hi < q.
func sqAcc(h0, l0, h1, l1, h2, l2, y0, y1 []uint64) {
	n := len(y0)
	y1 = y1[:n]
	h0, l0, h1, l1, h2, l2 = h0[:n], l0[:n], h1[:n], l1[:n], h2[:n], l2[:n]
	for j := 0; j < n; j++ {
		a, b := y0[j], y1[j]
		var c uint64
		h, l := bits.Mul64(a, a)
		l0[j], c = bits.Add64(l0[j], l, 0)
		h0[j] += h + c
		h, l = bits.Mul64(a<<1, b)
		l1[j], c = bits.Add64(l1[j], l, 0)
		h1[j] += h + c
		h, l = bits.Mul64(b, b)
		l2[j], c = bits.Add64(l2[j], l, 0)
		h2[j] += h + c
	}
}

// reduceTo writes (hi[j]·2^64 + lo[j] + add) mod q into dst[j]; add < q.
func (m *modulus) reduceTo(dst, hi, lo []uint64, add uint64) {
	n := len(dst)
	hi, lo = hi[:n], lo[:n]
	for j := range dst {
		s := m.reduce128(hi[j], lo[j]) + add
		if s >= m.q {
			s -= m.q
		}
		dst[j] = s
	}
}

// mulScalarAdd sets dst[j] = dst[j] + c·x[j] mod q for c < q.
func (m *modulus) mulScalarAdd(dst, x []uint64, c uint64) {
	n := len(dst)
	x = x[:n]
	for j := range dst {
		s := dst[j] + ring.BRed(x[j], c, m.q, m.bred)
		if s >= m.q {
			s -= m.q
		}
		dst[j] = s
	}
}

func clear64(s []uint64) {
	for i := range s {
		s[i] = 0
	}
}

// parallel runs f(w, i) for i in [0, n) on up to workers goroutines; w is the
// worker index in [0, workers), so f can use per-worker scratch.
func parallel(workers, n int, f func(w, i int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go func(w int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(w, i)
			}
		}(w)
	}
	wg.Wait()
}

func defaultWorkers(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}
