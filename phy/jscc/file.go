package jscc

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

// File format, version 1 (all integers little-endian):
//
//	magic    8 bytes "HSMJSCC\n"
//	version  uint32 (1)
//	hdrLen   uint32, length of the JSON header, <= 64 KiB
//	header   JSON object fileHeader
//	payload  float32 values of the tensors listed in the header, in order
//	crc      uint32 CRC-32 (IEEE) of everything before it
const (
	fileMagic   = "HSMJSCC\n"
	fileVersion = 1
	maxHeader   = 64 << 10
)

// ErrFormat is wrapped by every error Read returns for a malformed file.
var ErrFormat = errors.New("jscc: malformed model file")

type tensorInfo struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

type fileHeader struct {
	Config  Config       `json:"config"`
	Meta    Meta         `json:"meta"`
	Gain    float32      `json:"gain"`
	Tensors []tensorInfo `json:"tensors"`
}

// tensors lists the model's weights with their documented shapes.
func (m *Model) tensors() ([]tensorInfo, [][]float32) {
	c := m.cfg
	k := c.Kernel
	info := []tensorInfo{
		{"conv.weight", []int{c.Channels, 1, k, k}},
		{"conv.bias", []int{c.Channels}},
	}
	data := [][]float32{m.conv.W.W, m.conv.B.W}
	if m.proj != nil {
		info = append(info, tensorInfo{"proj.weight", []int{m.proj.Out, m.proj.In}}, tensorInfo{"proj.bias", []int{m.proj.Out}})
		data = append(data, m.proj.W.W, m.proj.B.W)
	}
	info = append(info, tensorInfo{"fc.weight", []int{m.fc.Out, m.fc.In}}, tensorInfo{"fc.bias", []int{m.fc.Out}})
	data = append(data, m.fc.W.W, m.fc.B.W)
	return info, data
}

// WriteTo writes the model in the versioned file format.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	info, data := m.tensors()
	hdr, err := json.Marshal(fileHeader{Config: m.cfg, Meta: m.Meta, Gain: m.Gain(), Tensors: info})
	if err != nil {
		return 0, fmt.Errorf("jscc: encoding header: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(fileMagic)
	binary.Write(&b, binary.LittleEndian, uint32(fileVersion))
	binary.Write(&b, binary.LittleEndian, uint32(len(hdr)))
	b.Write(hdr)
	var f [4]byte
	for _, d := range data {
		for _, v := range d {
			binary.LittleEndian.PutUint32(f[:], math.Float32bits(v))
			b.Write(f[:])
		}
	}
	binary.LittleEndian.PutUint32(f[:], crc32.ChecksumIEEE(b.Bytes()))
	b.Write(f[:])
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

// MarshalBinary returns the model file bytes.
func (m *Model) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	_, err := m.WriteTo(&b)
	return b.Bytes(), err
}

// Read reads a model file, validating the magic, version, checksum, header,
// every tensor's name and shape against the architecture, and that all values
// are finite. Errors wrap ErrFormat (or the reader's error).
func Read(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("jscc: reading model: %w", err)
	}
	return Unmarshal(b)
}

func formatErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, a...)...)
}

// Unmarshal decodes a model file held in memory; see Read.
func Unmarshal(b []byte) (*Model, error) {
	if len(b) < len(fileMagic)+12 || string(b[:len(fileMagic)]) != fileMagic {
		return nil, formatErr("bad magic (not a hesemcom JSCC model)")
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
	p = p[hl:]
	// Check the payload size before allocating, so a header cannot make New
	// allocate more than the file holds.
	cfg, err := h.Config.withDefaults()
	if err != nil {
		return nil, formatErr("%v", err)
	}
	if n := paramCount(cfg); int64(len(p)) != 4*n {
		return nil, formatErr("payload of %d bytes, %v needs %d", len(p), cfg.Arch, 4*n)
	}
	m, err := New(h.Config, 0)
	if err != nil {
		return nil, formatErr("%v", err)
	}
	if h.Config.Arch.HEFriendly() {
		if !(h.Gain > 0) || math.IsInf(float64(h.Gain), 0) {
			return nil, formatErr("power gain %v not a positive finite number", h.Gain)
		}
		m.gain.Gain = h.Gain
	} else if h.Gain != 0 {
		return nil, formatErr("power gain %v for an architecture without one", h.Gain)
	}
	for _, f := range []float64{h.Meta.SNRLo, h.Meta.SNRHi, h.Meta.TestSNR, h.Meta.TestAcc, h.Meta.LR} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, formatErr("non-finite metadata")
		}
	}
	info, data := m.tensors()
	if len(h.Tensors) != len(info) {
		return nil, formatErr("%d tensors, %v has %d", len(h.Tensors), h.Config.Arch, len(info))
	}
	for i, t := range info {
		got := h.Tensors[i]
		if got.Name != t.Name || !equalInts(got.Shape, t.Shape) {
			return nil, formatErr("tensor %d is %s%v, want %s%v", i, got.Name, got.Shape, t.Name, t.Shape)
		}
		n := len(data[i])
		if len(p) < 4*n {
			return nil, formatErr("payload ends inside tensor %s", t.Name)
		}
		for j := range data[i] {
			v := math.Float32frombits(binary.LittleEndian.Uint32(p[4*j:]))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, formatErr("tensor %s[%d] is %v", t.Name, j, v)
			}
			data[i][j] = v
		}
		p = p[4*n:]
	}
	if len(p) != 0 {
		return nil, formatErr("%d bytes after the last tensor", len(p))
	}
	m.Meta = h.Meta
	return m, nil
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// paramCount returns the number of float32 weights of a checked config.
func paramCount(c Config) int64 {
	f := int64(c.Rows/2) * int64(c.Cols/2)
	n := int64(c.Channels)*int64(c.Kernel*c.Kernel) + int64(c.Channels)
	if c.Arch == HEWide {
		n += int64(c.Channels)*f*f + f
	}
	return n + f*int64(c.Classes) + int64(c.Classes)
}
