package classifier

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/hesemcom/hesemcom/internal/modelfile"
)

// Model files use the container of internal/modelfile (magic, version,
// strict JSON header, float32 tensors, CRC-32) with the magic "HSMCLAS\n";
// the header is fileHeader.
var format = modelfile.Format{Magic: "HSMCLAS\n", Kind: "classifier model", Err: ErrFormat}

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
	return format.Marshal(fileHeader{Config: m.cfg, Meta: m.Meta, Tensors: info}, data)
}

// Read reads a model file, validating the magic, version, checksum, header,
// every tensor's name and length against the architecture, that all values
// are finite and that running variances are positive. Errors wrap ErrFormat
// (or the reader's error).
func Read(r io.Reader) (*Model, error) {
	b, err := format.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("classifier: %w", err)
	}
	return Unmarshal(b)
}

// Unmarshal decodes a model file held in memory; see Read.
func Unmarshal(b []byte) (*Model, error) {
	var h fileHeader
	payload, err := format.Parse(b, &h)
	if err != nil {
		return nil, err
	}
	if math.IsNaN(h.Meta.LR) || math.IsInf(h.Meta.LR, 0) || math.IsNaN(h.Meta.TestAcc) || h.Meta.TestAcc < 0 || h.Meta.TestAcc > 1 {
		return nil, format.Errorf("bad metadata (lr %v, test accuracy %v)", h.Meta.LR, h.Meta.TestAcc)
	}
	m, err := New(h.Config, 0)
	if err != nil {
		return nil, format.Errorf("%v", err)
	}
	info, data := m.tensors()
	if len(h.Tensors) != len(info) {
		return nil, format.Errorf("%d tensors, the configured network has %d", len(h.Tensors), len(info))
	}
	names := make([]string, len(info))
	for i, t := range info {
		if got := h.Tensors[i]; got != t {
			return nil, format.Errorf("tensor %d is %s[%d], want %s[%d]", i, got.Name, got.Len, t.Name, t.Len)
		}
		names[i] = t.Name
	}
	if err := format.Fill(payload, names, data); err != nil {
		return nil, err
	}
	for i, b := range m.bns {
		for _, v := range b.RunVar {
			if !(v > 0) {
				return nil, format.Errorf("batch norm %d has running variance %v", i, v)
			}
		}
	}
	m.Meta = h.Meta
	return m, nil
}
