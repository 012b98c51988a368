// Package iqfile reads and writes IQ sample recordings: SigMF recordings
// (a .sigmf-meta JSON file beside a .sigmf-data file, SigMF core namespace
// v1.x: core:datatype, core:version, core:sample_rate, captures with
// core:sample_start, annotations marking frames) and headerless files as
// GNU Radio's file sink and rtl_sdr write them (raw interleaved I/Q).
//
// Datatypes are cf32_le (complex float32, GNU Radio's gr_complex, the
// default), ci16_le (interleaved int16, full scale ±32767 ↔ ±1.0) and cu8
// (interleaved uint8 as rtl_sdr writes, (v − 127.5)/127.5). Samples are
// complex64 in memory.
//
// Everything streams: Reader and Writer work on blocks, so recordings larger
// than memory are fine. Bad input is an error naming the file and the byte
// offset (malformed or incomplete metadata, an unknown datatype, a data
// length that is not a whole number of samples, NaN or Inf samples, a file
// shorter than its annotations, a SHA-512 mismatch), never a panic.
//
// The stream methods have the pipeline's kernel shape
// (Reader.Read(dst) ([]complex64, error), Writer.Write(src) error), so the
// pipeline adapts them as file source and sink blocks; Source adds looping
// and a rate limit.
//
// Imports: std only.
package iqfile
