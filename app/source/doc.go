// Package source owns the application-layer data sources: the IDX file format,
// the MNIST and Fashion-MNIST datasets (the two official 10k test sets are
// embedded in the binary; training sets come from a data directory), and the
// fetching and checksum verification of dataset files.
//
// It may import the standard library and internal leaves only (DESIGN.md §2).
//
// Images are 8-bit grayscale, row-major, Rows×Cols pixels each, stored
// contiguously in Dataset.Pixels; Image(i) returns a sub-slice that aliases
// that storage.
package source
