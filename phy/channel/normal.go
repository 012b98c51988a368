package channel

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// Normal is a fast standard-normal generator: the ziggurat method of
// Marsaglia & Tsang (J. Stat. Software 5(8), 2000) with 128 layers over a
// wyrand stream seeded from math/rand/v2's PCG. Each 32-bit half of a
// 64-bit output gives
// one float32 draw: 7 bits pick the layer, 1 bit the sign, 24 bits the
// magnitude, so layer and value are independent (Doornik 2005's fix for the
// original's correlated bits) and the fast path needs half a 64-bit draw
// per normal; compare rand.Rand.NormFloat64 in BenchmarkNormal.
type Normal struct {
	pcg   rand.PCG // for the rare slow path and for seeding clones
	wy    uint64   // wyrand state of the fast path
	spare uint32
	has   bool
}

// wyrand (Wang Yi, public domain; passes BigCrush and PractRand) is the
// fast-path bit source: one 64×64→128 multiply per 64 bits, about three
// times faster than PCG-DXSM (BenchmarkBits), with a 2^64 period per stream.
const (
	wyInc = 0xa0761d6478bd642f
	wyMix = 0xe7037ed1a0b428db
)

func wyNext(s *uint64) uint64 {
	*s += wyInc
	hi, lo := bits.Mul64(*s, *s^wyMix)
	return hi ^ lo
}

const (
	zigR    = 3.442619855899      // start of the tail, Marsaglia & Tsang Table 1 (n = 128)
	zigV    = 9.91256303526217e-3 // area of each layer, same table
	zigMag  = 1 << 24             // magnitude resolution: 24 bits (float32 mantissa)
	zigInvR = 1 / 3.442619855899  // for the tail sampler
	zigMask = 127                 // 128 layers
)

var zigK [128]uint32
var zigW, zigF [128]float32

func init() {
	// zigset of Marsaglia & Tsang, with 2^24 in place of 2^31.
	const m = zigMag
	dn, tn := zigR, zigR
	q := zigV / math.Exp(-0.5*dn*dn)
	zigK[0] = uint32(dn / q * m)
	zigK[1] = 0
	zigW[0] = float32(q / m)
	zigW[127] = float32(dn / m)
	zigF[0] = 1
	zigF[127] = float32(math.Exp(-0.5 * dn * dn))
	for i := 126; i >= 1; i-- {
		dn = math.Sqrt(-2 * math.Log(zigV/dn+math.Exp(-0.5*dn*dn)))
		zigK[i+1] = uint32(dn / tn * m)
		tn = dn
		zigF[i] = float32(math.Exp(-0.5 * dn * dn))
		zigW[i] = float32(dn / m)
	}
}

// NewNormal returns a generator seeded from rng (two Uint64 draws).
func NewNormal(rng *rand.Rand) *Normal {
	n := &Normal{}
	n.Seed(rng.Uint64(), rng.Uint64())
	return n
}

// Seed resets the generator to the PCG stream (seed1, seed2).
func (n *Normal) Seed(seed1, seed2 uint64) {
	n.pcg.Seed(seed1, seed2)
	n.wy = n.pcg.Uint64()
	n.has = false
}

// Clone returns an independent generator seeded from n's stream.
func (n *Normal) Clone() *Normal {
	c := &Normal{}
	c.Seed(n.pcg.Uint64(), n.pcg.Uint64())
	return c
}

// Float32 returns one standard normal draw.
func (n *Normal) Float32() float32 {
	var u uint32
	if n.has {
		u, n.has = n.spare, false
	} else {
		v := wyNext(&n.wy)
		u, n.spare, n.has = uint32(v), uint32(v>>32), true
	}
	return n.fromBits(u)
}

// fromBits turns 32 random bits into a normal draw, falling back to the
// wedge/tail sampler for the ≈1.2% of draws outside the rectangles.
func (n *Normal) fromBits(u uint32) float32 {
	i := u & zigMask
	mag := u >> 8
	if mag < zigK[i] {
		return withSign(float32(mag)*zigW[i], u)
	}
	return n.slow(u)
}

func (n *Normal) uniform() float64 { return float64(n.pcg.Uint64()>>11) * (1.0 / (1 << 53)) }

func (n *Normal) slow(u uint32) float32 {
	for {
		i := u & zigMask
		mag := u >> 8
		neg := u&128 != 0
		x := float64(mag) * float64(zigW[i])
		if mag < zigK[i] {
			return signed(x, neg)
		}
		if i == 0 {
			// Tail beyond R: Marsaglia's exponential-rejection sampler.
			for {
				x = -math.Log(1-n.uniform()) * zigInvR
				y := -math.Log(1 - n.uniform())
				if y+y >= x*x {
					break
				}
			}
			return signed(zigR+x, neg)
		}
		// Wedge: accept with the exact density.
		if float64(zigF[i])+n.uniform()*float64(zigF[i-1]-zigF[i]) < math.Exp(-0.5*x*x) {
			return signed(x, neg)
		}
		u = uint32(n.pcg.Uint64())
	}
}

// withSign gives the non-negative x the sign of bit 7 of u without a branch
// (the sign is a coin flip, so a branch would mispredict half the time).
func withSign(x float32, u uint32) float32 {
	return math.Float32frombits(math.Float32bits(x) | (u&128)<<24)
}

func signed(x float64, neg bool) float32 {
	if neg {
		return float32(-x)
	}
	return float32(x)
}

// Fill writes standard normal draws into every element of dst.
func (n *Normal) Fill(dst []float32) {
	for i := range dst {
		dst[i] = n.Float32()
	}
}

// addNoise writes src[i] + sigma·(g1 + j·g2) into dst[i] (dst may alias
// src). Both components come from one PCG output in the fast path.
func (n *Normal) addNoise(dst, src []complex64, sigma float32) {
	n.has = false // keep the stream independent of earlier odd draws
	w := n.wy
	for i, s := range src {
		w += wyInc
		hi, lo := bits.Mul64(w, w^wyMix)
		v := hi ^ lo
		a, b := uint32(v), uint32(v>>32)
		var x, y float32
		ia, ib := a&zigMask, b&zigMask
		ma, mb := a>>8, b>>8
		if ma < zigK[ia] {
			x = withSign(float32(ma)*zigW[ia], a)
		} else {
			x = n.slow(a)
		}
		if mb < zigK[ib] {
			y = withSign(float32(mb)*zigW[ib], b)
		} else {
			y = n.slow(b)
		}
		dst[i] = complex(real(s)+sigma*x, imag(s)+sigma*y)
	}
	n.wy = w
}
