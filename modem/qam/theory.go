package qam

import (
	"fmt"
	"math"
)

// TheoryBER returns the exact uncoded bit error rate of s with maximum-
// likelihood hard decisions at Eb/N0 = ebn0 (linear, not dB), over AWGN or,
// with rayleigh set, over flat Rayleigh fading with perfect CSI and a mean
// Eb/N0 of ebn0.
//
// AWGN: BPSK and QPSK ½·erfc(√(Eb/N0)); square M-QAM with Gray labelling
// (TS 38.211 §5.1.4–5.1.6 are Gray per dimension) the exact expression of
// Cho & Yoon, "On the general BER expression of one- and two-dimensional
// amplitude modulations", IEEE Trans. Commun. 50(7), 2002, eq. (14)–(16).
// Rayleigh: every term is c·erfc(√(a·γ)), whose mean over an exponential γ
// of mean γ̄ is c·(1 − √(aγ̄/(1+aγ̄))) (Simon & Alouini, Digital
// Communication over Fading Channels, eq. 5.6 for BPSK), so the same sum
// averaged term by term is exact.
func TheoryBER(s Scheme, ebn0 float64, rayleigh bool) (float64, error) {
	if !(ebn0 >= 0) || math.IsInf(ebn0, 0) {
		return 0, fmt.Errorf("qam: Eb/N0 %v must be finite and ≥ 0", ebn0)
	}
	term := func(c, a float64) float64 { // c·erfc(√(a·ebn0)), or its Rayleigh mean
		if rayleigh {
			return c * (1 - math.Sqrt(a*ebn0/(1+a*ebn0)))
		}
		return c * math.Erfc(math.Sqrt(a*ebn0))
	}
	switch s {
	case BPSK, PiHalfBPSK, QPSK:
		return term(0.5, 1), nil
	case QAM16, QAM64, QAM256:
	default:
		return 0, fmt.Errorf("qam: no closed-form BER for %v", s)
	}
	m := float64(int(1) << s.BitsPerSymbol())
	sq := math.Sqrt(m)
	kmax := s.BitsPerSymbol() / 2
	a0 := 3 * math.Log2(m) / (2 * (m - 1))
	var pb float64
	for k := 1; k <= kmax; k++ {
		p2 := math.Pow(2, float64(k-1))
		imax := int((1-math.Pow(2, -float64(k)))*sq) - 1
		var pk float64
		for i := 0; i <= imax; i++ {
			fl := math.Floor(float64(i) * p2 / sq)
			sign := 1.0
			if int(fl)%2 == 1 {
				sign = -1
			}
			w := p2 - math.Floor(float64(i)*p2/sq+0.5)
			pk += term(sign*w, float64((2*i+1)*(2*i+1))*a0)
		}
		pb += pk / sq
	}
	return pb / float64(kmax), nil
}
