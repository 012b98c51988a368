// Package modelfile owns the container format shared by the model files of
// phy/jscc and phy/classifier: a magic naming the kind of model, a version, a
// strict JSON header, the float32 tensors in header order and a CRC-32 over
// everything. The model packages own what the header says and which tensors
// a configuration has; this package owns the framing and its validation, so
// a malformed file gets the same careful treatment whatever model it claims
// to hold.
//
// Layout, version 1, all integers little-endian:
//
//	magic    8 bytes (e.g. "HSMJSCC\n")
//	version  uint32 (1)
//	hdrLen   uint32, length of the JSON header, <= MaxHeader
//	header   JSON object
//	payload  float32 values of the tensors, in header order
//	crc      uint32 CRC-32 (IEEE) of everything before it
package modelfile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// Version is the container version this build writes and reads.
const Version = 1

// Size limits: a header or file beyond them is rejected before it is read.
const (
	MaxHeader = 64 << 10
	MaxFile   = 64 << 20
)

// Format is one kind of model file.
type Format struct {
	Magic string // 8 bytes
	Kind  string // what the file holds, for messages ("JSCC model")
	Err   error  // wrapped by every error about a malformed file
}

// Errorf returns an error wrapping f.Err.
func (f Format) Errorf(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{f.Err}, a...)...)
}

// Marshal frames header (JSON-encoded) and the tensors.
func (f Format) Marshal(header any, tensors [][]float32) ([]byte, error) {
	hdr, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("encoding %s header: %w", f.Kind, err)
	}
	n := len(f.Magic) + 8 + len(hdr) + 4
	for _, t := range tensors {
		n += 4 * len(t)
	}
	b := make([]byte, 0, n)
	b = append(b, f.Magic...)
	b = binary.LittleEndian.AppendUint32(b, Version)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
	b = append(b, hdr...)
	for _, t := range tensors {
		for _, v := range t {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

// ReadAll reads a whole file of at most MaxFile bytes from r.
func (f Format) ReadAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.Kind, err)
	}
	if len(b) > MaxFile {
		return nil, f.Errorf("larger than %d bytes", MaxFile)
	}
	return b, nil
}

// Parse checks the magic, version, header length and checksum of b, decodes
// the header strictly (unknown fields and trailing data are errors) into
// header, and returns the tensor payload.
func (f Format) Parse(b []byte, header any) (payload []byte, err error) {
	if len(b) < len(f.Magic)+12 || string(b[:len(f.Magic)]) != f.Magic {
		return nil, f.Errorf("bad magic (not a hesemcom %s)", f.Kind)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	p := body[len(f.Magic):]
	if v := binary.LittleEndian.Uint32(p); v != Version {
		return nil, f.Errorf("version %d, this build reads version %d", v, Version)
	}
	hl := binary.LittleEndian.Uint32(p[4:])
	p = p[8:]
	if hl > MaxHeader || int(hl) > len(p) {
		return nil, f.Errorf("header length %d exceeds the file", hl)
	}
	if got := crc32.ChecksumIEEE(body); got != sum {
		return nil, f.Errorf("checksum %08x, want %08x", got, sum)
	}
	dec := json.NewDecoder(bytes.NewReader(p[:hl]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(header); err != nil {
		return nil, f.Errorf("header: %v", err)
	}
	if dec.More() {
		return nil, f.Errorf("trailing data after header")
	}
	return p[hl:], nil
}

// Fill copies the payload into the tensors dst, named names for messages.
// The payload must hold exactly their values, all finite.
func (f Format) Fill(payload []byte, names []string, dst [][]float32) error {
	for i, t := range dst {
		if len(payload) < 4*len(t) {
			return f.Errorf("payload ends inside tensor %s", names[i])
		}
		for j := range t {
			v := math.Float32frombits(binary.LittleEndian.Uint32(payload[4*j:]))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return f.Errorf("tensor %s[%d] is %v", names[i], j, v)
			}
			t[j] = v
		}
		payload = payload[4*len(t):]
	}
	if len(payload) != 0 {
		return f.Errorf("%d bytes after the last tensor", len(payload))
	}
	return nil
}
