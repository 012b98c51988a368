package classifier

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// File format, version 1 (all integers little-endian), the layout of
// phy/jscc's model files with its own magic:
//
//	magic    8 bytes "HSMCLAS\n"
//	version  uint32 (1)
//	hdrLen   uint32, length of the JSON header, <= 64 KiB
//	header   JSON object fileHeader
//	payload  float32 values of the tensors listed in the header, in order
//	crc      uint32 CRC-32 (IEEE) of everything before it
const (
	fileMagic   = "HSMCLAS\n"
	fileVersion = 1
	maxHeader   = 64 << 10
	maxFile     = 64 << 20
)

// ErrFormat is wrapped by every error Read returns for a malformed file.
var ErrFormat = errors.New("classifier: malformed model file")

type tensorInfo struct {
	Name string `json:"name"`
	Len  int    `json:"len"`
}

type fileHeader struct {
	Config  Config       `json:"config"`
	Meta    Meta         `json:"meta"`
	Tensors []tensorInfo `json:"tensors"`
}

// tensors lists the trainable parameters, then each batch norm's running
// mean and variance, with names that encode their position.
func (m *Model) tensors() ([]tensorInfo, [][]float32) {
	var info []tensorInfo
	var data [][]float32
	for i, p := range m.net.Params() {
		info = append(info, tensorInfo{fmt.Sprintf("p%d.%s", i, p.Name), len(p.W)})
		data = append(data, p.W)
	}
	for i, b := range m.bns {
		info = append(info, tensorInfo{fmt.Sprintf("bn%d.mean", i), len(b.RunMean)}, tensorInfo{fmt.Sprintf("bn%d.var", i), len(b.RunVar)})
		data = append(data, b.RunMean, b.RunVar)
	}
	return info, data
}

// WriteTo writes the model in the versioned file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// MarshalBinary returns the model file bytes.
func (m *Model) MarshalBinary() ([]byte, error) {
	info, data := m.tensors()
	hdr, err := json.Marshal(fileHeader{Config: m.cfg, Meta: m.Meta, Tensors: info})
	if err != nil {
		return nil, fmt.Errorf("classifier: encoding header: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(fileMagic)
	var u [4]byte
	binary.LittleEndian.PutUint32(u[:], fileVersion)
	b.Write(u[:])
	binary.LittleEndian.PutUint32(u[:], uint32(len(hdr)))
	b.Write(u[:])
	b.Write(hdr)
	for _, d := range data {
		for _, v := range d {
			binary.LittleEndian.PutUint32(u[:], math.Float32bits(v))
			b.Write(u[:])
		}
	}
	binary.LittleEndian.PutUint32(u[:], crc32.ChecksumIEEE(b.Bytes()))
	b.Write(u[:])
	return b.Bytes(), nil
}

// Read reads a model file, validating the magic, version, checksum, header,
// every tensor's name and length against the architecture, that all values
// are finite and that running variances are positive. Errors wrap ErrFormat
// (or the reader's error).
func Read(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("classifier: reading model: %w", err)
	}
	if len(b) > maxFile {
		return nil, formatErr("larger than %d bytes", maxFile)
	}
	return Unmarshal(b)
}

func formatErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, a...)...)
}

// Unmarshal decodes a model file held in memory; see Read.
func Unmarshal(b []byte) (*Model, error) {
	if len(b) < len(fileMagic)+12 || string(b[:len(fileMagic)]) != fileMagic {
		return nil, formatErr("bad magic (not a hesemcom classifier model)")
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	p := body[len(fileMagic):]
	if v := binary.LittleEndian.Uint32(p); v != fileVersion {
		return nil, formatErr("version %d, this build reads version %d", v, fileVersion)
	}
	hl := binary.LittleEndian.Uint32(p[4:])
	p = p[8:]
	if hl > maxHeader || int(hl) > len(p) {
		return nil, formatErr("header length %d exceeds the file", hl)
	}
	if got := crc32.ChecksumIEEE(body); got != sum {
		return nil, formatErr("checksum %08x, want %08x", got, sum)
	}
	var h fileHeader
	dec := json.NewDecoder(bytes.NewReader(p[:hl]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, formatErr("header: %v", err)
	}
	if dec.More() {
		return nil, formatErr("trailing data after header")
	}
	if math.IsNaN(h.Meta.LR) || math.IsInf(h.Meta.LR, 0) || math.IsNaN(h.Meta.TestAcc) || h.Meta.TestAcc < 0 || h.Meta.TestAcc > 1 {
		return nil, formatErr("bad metadata (lr %v, test accuracy %v)", h.Meta.LR, h.Meta.TestAcc)
	}
	p = p[hl:]
	m, err := New(h.Config, 0)
	if err != nil {
		return nil, formatErr("%v", err)
	}
	info, data := m.tensors()
	if len(h.Tensors) != len(info) {
		return nil, formatErr("%d tensors, the configured network has %d", len(h.Tensors), len(info))
	}
	for i, t := range info {
		got := h.Tensors[i]
		if got != t {
			return nil, formatErr("tensor %d is %s[%d], want %s[%d]", i, got.Name, got.Len, t.Name, t.Len)
		}
		if len(p) < 4*t.Len {
			return nil, formatErr("payload ends inside tensor %s", t.Name)
		}
		for j := range data[i] {
			v := math.Float32frombits(binary.LittleEndian.Uint32(p[4*j:]))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, formatErr("tensor %s[%d] is %v", t.Name, j, v)
			}
			data[i][j] = v
		}
		p = p[4*t.Len:]
	}
	if len(p) != 0 {
		return nil, formatErr("%d bytes after the last tensor", len(p))
	}
	for i, b := range m.bns {
		for _, v := range b.RunVar {
			if !(v > 0) {
				return nil, formatErr("batch norm %d has running variance %v", i, v)
			}
		}
	}
	m.Meta = h.Meta
	return m, nil
}
