// Package units owns the physical units and the SNR convention shared by every
// layer (DESIGN.md §3): decibels, hertz, and the conversions between Es/N0,
// Eb/N0 and the complex noise variance N0. It imports the standard library only.
//
// Convention: the SNR is Es/N0 per complex channel symbol with the signal
// power normalised to 1, so the complex noise variance is N0 = 10^(−SNR/10),
// N0/2 per real dimension. Two real JSCC features make one complex symbol.
package units

import "math"

// DB is a power ratio in decibels.
type DB float64

// Linear returns 10^(d/10).
func (d DB) Linear() float64 { return math.Pow(10, float64(d)/10) }

// FromLinear converts a power ratio to decibels.
func FromLinear(x float64) DB { return DB(10 * math.Log10(x)) }

// Hz is a frequency in hertz.
type Hz float64

// N0 returns the complex noise variance for a unit-power signal at the given
// Es/N0: N0 = 10^(−EsN0/10).
func N0(esn0 DB) float64 { return math.Pow(10, -float64(esn0)/10) }

// EbN0ToEsN0 converts Eb/N0 to Es/N0 for bitsPerSymbol coded bits per symbol
// at the given code rate: Es/N0 = Eb/N0 + 10·log10(bitsPerSymbol·codeRate).
func EbN0ToEsN0(ebn0 DB, bitsPerSymbol int, codeRate float64) DB {
	return ebn0 + FromLinear(float64(bitsPerSymbol)*codeRate)
}

// EsN0ToEbN0 is the inverse of EbN0ToEsN0.
func EsN0ToEbN0(esn0 DB, bitsPerSymbol int, codeRate float64) DB {
	return esn0 - FromLinear(float64(bitsPerSymbol)*codeRate)
}

// EbN0ToN0 returns the complex noise variance for a unit-power signal at the
// given Eb/N0.
func EbN0ToN0(ebn0 DB, bitsPerSymbol int, codeRate float64) float64 {
	return N0(EbN0ToEsN0(ebn0, bitsPerSymbol, codeRate))
}
