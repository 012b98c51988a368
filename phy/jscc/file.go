package jscc

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/hesemcom/hesemcom/internal/modelfile"
)

// Model files use the container of internal/modelfile (magic, version,
// strict JSON header, float32 tensors, CRC-32) with the magic "HSMJSCC\n";
// the header is fileHeader.
var format = modelfile.Format{Magic: "HSMJSCC\n", Kind: "JSCC model", Err: ErrFormat}

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
	return format.Marshal(fileHeader{Config: m.cfg, Meta: m.Meta, Gain: m.Gain(), Tensors: info}, data)
}

// Read reads a model file, validating the magic, version, checksum, header,
// every tensor's name and shape against the architecture, and that all values
// are finite. Errors wrap ErrFormat (or the reader's error).
func Read(r io.Reader) (*Model, error) {
	b, err := format.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("jscc: %w", err)
	}
	return Unmarshal(b)
}

// Unmarshal decodes a model file held in memory; see Read.
func Unmarshal(b []byte) (*Model, error) {
	var h fileHeader
	p, err := format.Parse(b, &h)
	if err != nil {
		return nil, err
	}
	// Check the payload size before allocating, so a header cannot make New
	// allocate more than the file holds.
	cfg, err := h.Config.withDefaults()
	if err != nil {
		return nil, format.Errorf("%v", err)
	}
	if n := paramCount(cfg); int64(len(p)) != 4*n {
		return nil, format.Errorf("payload of %d bytes, %v needs %d", len(p), cfg.Arch, 4*n)
	}
	m, err := New(h.Config, 0)
	if err != nil {
		return nil, format.Errorf("%v", err)
	}
	if h.Config.Arch.HEFriendly() {
		if !(h.Gain > 0) || math.IsInf(float64(h.Gain), 0) {
			return nil, format.Errorf("power gain %v not a positive finite number", h.Gain)
		}
		m.gain.Gain = h.Gain
	} else if h.Gain != 0 {
		return nil, format.Errorf("power gain %v for an architecture without one", h.Gain)
	}
	for _, f := range []float64{h.Meta.SNRLo, h.Meta.SNRHi, h.Meta.TestSNR, h.Meta.TestAcc, h.Meta.LR} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, format.Errorf("non-finite metadata")
		}
	}
	info, data := m.tensors()
	if len(h.Tensors) != len(info) {
		return nil, format.Errorf("%d tensors, %v has %d", len(h.Tensors), h.Config.Arch, len(info))
	}
	names := make([]string, len(info))
	for i, t := range info {
		got := h.Tensors[i]
		if got.Name != t.Name || !slices.Equal(got.Shape, t.Shape) {
			return nil, format.Errorf("tensor %d is %s%v, want %s%v", i, got.Name, got.Shape, t.Name, t.Shape)
		}
		names[i] = t.Name
	}
	if err := format.Fill(p, names, data); err != nil {
		return nil, err
	}
	m.Meta = h.Meta
	return m, nil
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
