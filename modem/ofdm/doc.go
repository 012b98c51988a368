// Package ofdm owns the OFDM modem: the resource grid (FFT size, cyclic
// prefix, active subcarriers around a null DC with guard bands, comb pilots
// carrying a known QPSK sequence), the modulator, and the demodulator with
// least-squares channel estimation at the pilots (optionally averaged over
// a few OFDM symbols and smoothed along frequency), linear or LMMSE (Wiener)
// interpolation in frequency, and zero-forcing or MMSE equalisation. It also owns the
// complex64 FFT plan the modem runs on.
//
// Subcarriers: with A active subcarriers, the signed indices −A/2…−1 and
// 1…A/2 are used (FFT bin k mod N), DC and the band edges are null. In
// frequency order every PilotSpacing-th active subcarrier is a pilot, and so
// is the last one, so every data subcarrier lies between two pilots. Pilot
// values are r(m) = ((1−2c(2m)) + j(1−2c(2m+1)))/√2 with c the length-31
// Gold sequence of TS 38.211 §5.2.1 (the DM-RS construction of §7.4.1.1.1),
// c_init = PilotSeed.
//
// Scaling: the modulator divides the inverse FFT by √A, so unit-energy
// subcarriers give unit average time-domain power (DESIGN.md §3) and the
// demodulator returns them with unit gain. White noise of variance n0 per
// time sample appears as n0·A/N on each subcarrier (SubcarrierN0), the
// guard-band gain; the cyclic prefix is not counted.
//
// Kernels (CONVENTIONS §5): Modulate maps a whole number of OFDM symbols'
// data subcarriers to samples (DataCarriers : N+CP rate); Demodulate maps a
// whole number of N+CP sample blocks back to equalised data symbols. They
// write into dst[:0], growing it only when capacity is short, dst must not
// alias src, and a Modulator/Demodulator is not safe for concurrent use
// (Clone one per worker). Bad lengths and configurations return errors.
//
// It imports the standard library and internal/vec; gonum's dsp/fourier and
// go-dsp appear only in tests, as the references of the FFT.
package ofdm
