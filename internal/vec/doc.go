// Package vec owns small dst-first kernels over complex64 and float32 slices
// (gonum floats/cmplxs style): scaling, element-wise products, sums, energy.
//
// Length rule: every kernel panics with a "vec: ..." message when its slices
// differ in length (a programmer error, CONVENTIONS §12). The XxxTo forms
// write into dst and may alias their sources; none of them allocates.
//
// It imports the standard library only.
package vec
