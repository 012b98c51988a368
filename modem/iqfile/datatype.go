package iqfile

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Datatype is a sample encoding on disk.
type Datatype uint8

// Supported datatypes, named as in the SigMF core:datatype field.
const (
	CF32LE Datatype = iota + 1 // complex float32 little endian, 8 bytes per sample
	CI16LE                     // complex int16 little endian, 4 bytes per sample
	CU8                        // complex uint8, 2 bytes per sample
)

// String returns the SigMF name ("cf32_le", "ci16_le", "cu8").
func (d Datatype) String() string {
	switch d {
	case CF32LE:
		return "cf32_le"
	case CI16LE:
		return "ci16_le"
	case CU8:
		return "cu8"
	}
	return fmt.Sprintf("datatype(%d)", uint8(d))
}

// ParseDatatype accepts the SigMF names and the short names of the CLI's
// --format flag ("cf32", "ci16", "cu8"; "fc32" and "sc16" as aliases used by
// UHD tools). Anything else, including big-endian types, is an error.
func ParseDatatype(s string) (Datatype, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "cf32_le", "cf32", "fc32":
		return CF32LE, nil
	case "ci16_le", "ci16", "sc16":
		return CI16LE, nil
	case "cu8", "cu8_le":
		return CU8, nil
	}
	return 0, fmt.Errorf("iqfile: unsupported datatype %q (want cf32_le, ci16_le or cu8)", s)
}

// MarshalText returns String's name.
func (d Datatype) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses with ParseDatatype.
func (d *Datatype) UnmarshalText(b []byte) error {
	v, err := ParseDatatype(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// SampleSize returns the bytes per complex sample, 0 for an invalid d.
func (d Datatype) SampleSize() int {
	switch d {
	case CF32LE:
		return 8
	case CI16LE:
		return 4
	case CU8:
		return 2
	}
	return 0
}

// Integer scaling: ci16 full scale is ±32767; cu8 is offset binary centred on
// 127.5 as rtl_sdr output is usually converted.
const (
	ci16Scale = 32767
	cu8Mid    = 127.5
)

// decode converts n whole samples from b into dst[:n]. It returns the index
// of the first non-finite sample, or -1.
func decode(dst []complex64, b []byte, d Datatype) int {
	switch d {
	case CF32LE:
		for i := range dst {
			re := math.Float32frombits(binary.LittleEndian.Uint32(b[8*i:]))
			im := math.Float32frombits(binary.LittleEndian.Uint32(b[8*i+4:]))
			// x-x is NaN exactly for NaN and ±Inf.
			if re-re != 0 || im-im != 0 {
				return i
			}
			dst[i] = complex(re, im)
		}
	case CI16LE:
		for i := range dst {
			re := int16(binary.LittleEndian.Uint16(b[4*i:]))
			im := int16(binary.LittleEndian.Uint16(b[4*i+2:]))
			dst[i] = complex(float32(re)/ci16Scale, float32(im)/ci16Scale)
		}
	case CU8:
		for i := range dst {
			dst[i] = complex((float32(b[2*i])-cu8Mid)/cu8Mid, (float32(b[2*i+1])-cu8Mid)/cu8Mid)
		}
	}
	return -1
}

// encode writes src into b (len(b) = len(src)·SampleSize) and returns how
// many components were clipped to the integer range.
func encode(b []byte, src []complex64, d Datatype) (clipped int) {
	switch d {
	case CF32LE:
		for i, v := range src {
			binary.LittleEndian.PutUint32(b[8*i:], math.Float32bits(real(v)))
			binary.LittleEndian.PutUint32(b[8*i+4:], math.Float32bits(imag(v)))
		}
	case CI16LE:
		for i, v := range src {
			re, c1 := quant(float64(real(v))*ci16Scale, -ci16Scale, ci16Scale)
			im, c2 := quant(float64(imag(v))*ci16Scale, -ci16Scale, ci16Scale)
			binary.LittleEndian.PutUint16(b[4*i:], uint16(int16(re)))
			binary.LittleEndian.PutUint16(b[4*i+2:], uint16(int16(im)))
			clipped += c1 + c2
		}
	case CU8:
		for i, v := range src {
			re, c1 := quant(float64(real(v))*cu8Mid+cu8Mid, 0, 255)
			im, c2 := quant(float64(imag(v))*cu8Mid+cu8Mid, 0, 255)
			b[2*i], b[2*i+1] = byte(re), byte(im)
			clipped += c1 + c2
		}
	}
	return clipped
}

// quant rounds x to the nearest integer in [lo, hi], reporting clipping.
// NaN maps to lo and counts as clipped.
func quant(x, lo, hi float64) (int, int) {
	x = math.Round(x)
	switch {
	case x < lo || x != x:
		return int(lo), 1
	case x > hi:
		return int(hi), 1
	}
	return int(x), 0
}
