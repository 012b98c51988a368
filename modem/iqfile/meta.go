package iqfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// SigMFVersion is the core:version this package writes (SigMF specification
// v1.2.0); any 1.x version is read.
const SigMFVersion = "1.2.0"

// ErrMeta is wrapped by every metadata validation error.
var ErrMeta = errors.New("iqfile: bad SigMF metadata")

// Meta is a SigMF metadata document (the .sigmf-meta file). Unknown fields
// (other namespaces) are ignored when reading.
type Meta struct {
	Global      Global       `json:"global"`
	Captures    []Capture    `json:"captures"`
	Annotations []Annotation `json:"annotations"`
}

// Global is the SigMF global object (core namespace fields we use).
type Global struct {
	Datatype    string  `json:"core:datatype"`              // required
	Version     string  `json:"core:version"`               // required
	SampleRate  float64 `json:"core:sample_rate,omitempty"` // Hz; 0 when absent (unknown)
	NumChannels int     `json:"core:num_channels,omitempty"`
	SHA512      string  `json:"core:sha512,omitempty"` // of the whole data file, hex
	Offset      uint64  `json:"core:offset,omitempty"`
	Description string  `json:"core:description,omitempty"`
	Author      string  `json:"core:author,omitempty"`
	Recorder    string  `json:"core:recorder,omitempty"`
	HW          string  `json:"core:hw,omitempty"`
	// Extensions declares the namespaces other than core the recording
	// uses (SigMF §"Extension Namespaces"), e.g. HesemcomExtension.
	Extensions []Extension `json:"core:extensions,omitempty"`
}

// Extension is an entry of core:extensions.
type Extension struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Optional bool   `json:"optional"`
}

// HesemcomExtension declares the optional hesemcom namespace of the
// annotation fields hesemcom:seq, hesemcom:crc_ok and hesemcom:payload_bytes.
var HesemcomExtension = Extension{Name: "hesemcom", Version: "1.0.0", Optional: true}

// Capture is a SigMF capture segment.
type Capture struct {
	SampleStart uint64  `json:"core:sample_start"`
	Frequency   float64 `json:"core:frequency,omitempty"` // Hz
	Datetime    string  `json:"core:datetime,omitempty"`  // ISO 8601
	HeaderBytes uint64  `json:"core:header_bytes,omitempty"`
}

// Annotation marks a run of samples, e.g. one frame.
type Annotation struct {
	SampleStart     uint64  `json:"core:sample_start"`
	SampleCount     uint64  `json:"core:sample_count,omitempty"`
	Label           string  `json:"core:label,omitempty"`
	Comment         string  `json:"core:comment,omitempty"`
	FreqLowerEdge   float64 `json:"core:freq_lower_edge,omitempty"`
	FreqUpperEdge   float64 `json:"core:freq_upper_edge,omitempty"`
	Generator       string  `json:"core:generator,omitempty"`
	HesemcomSeq     *uint32 `json:"hesemcom:seq,omitempty"`    // link frame sequence number
	HesemcomCRCOK   *bool   `json:"hesemcom:crc_ok,omitempty"` // set by receivers
	HesemcomPayload int     `json:"hesemcom:payload_bytes,omitempty"`
}

// ParseMeta decodes and validates a SigMF metadata document; name (the file
// name) prefixes every error, which also carries the byte offset for JSON
// syntax and type errors. Captures must be sorted by sample_start (the
// specification requires it); annotations are sorted if they are not.
func ParseMeta(data []byte, name string) (*Meta, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var m Meta
	if err := dec.Decode(&m); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%w: %s: offset %d: %v", ErrMeta, name, se.Offset, err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%w: %s: offset %d: field %s: %v", ErrMeta, name, te.Offset, te.Field, err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrMeta, name, err)
	}
	if off := dec.InputOffset(); len(bytes.TrimSpace(data[off:])) != 0 {
		return nil, fmt.Errorf("%w: %s: offset %d: data after the JSON object", ErrMeta, name, off)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	sort.SliceStable(m.Annotations, func(i, j int) bool {
		return m.Annotations[i].SampleStart < m.Annotations[j].SampleStart
	})
	return &m, nil
}

// Validate checks the fields this package relies on.
func (m *Meta) Validate() error {
	g := &m.Global
	if g.Datatype == "" {
		return fmt.Errorf("%w: global core:datatype missing", ErrMeta)
	}
	if _, err := m.Datatype(); err != nil {
		return fmt.Errorf("%w: %v", ErrMeta, err)
	}
	if g.Version == "" {
		return fmt.Errorf("%w: global core:version missing", ErrMeta)
	}
	if !strings.HasPrefix(g.Version, "1.") && g.Version != "1" {
		return fmt.Errorf("%w: core:version %q, want 1.x", ErrMeta, g.Version)
	}
	if g.SampleRate < 0 || math.IsNaN(g.SampleRate) || math.IsInf(g.SampleRate, 0) {
		return fmt.Errorf("%w: core:sample_rate %v", ErrMeta, g.SampleRate)
	}
	if g.NumChannels > 1 {
		return fmt.Errorf("%w: core:num_channels %d: only single-channel recordings are supported", ErrMeta, g.NumChannels)
	}
	if g.NumChannels < 0 {
		return fmt.Errorf("%w: core:num_channels %d", ErrMeta, g.NumChannels)
	}
	for i, c := range m.Captures {
		if i > 0 && c.SampleStart < m.Captures[i-1].SampleStart {
			return fmt.Errorf("%w: captures[%d] sample_start %d before captures[%d]'s %d", ErrMeta, i, c.SampleStart, i-1, m.Captures[i-1].SampleStart)
		}
		if c.HeaderBytes != 0 {
			return fmt.Errorf("%w: captures[%d]: core:header_bytes is not supported", ErrMeta, i)
		}
	}
	for i, a := range m.Annotations {
		if a.SampleStart > math.MaxInt64/2 || a.SampleCount > math.MaxInt64/2 {
			return fmt.Errorf("%w: annotations[%d]: sample range out of bounds", ErrMeta, i)
		}
	}
	return nil
}

// Datatype returns the parsed core:datatype.
func (m *Meta) Datatype() (Datatype, error) {
	dt, err := ParseDatatype(m.Global.Datatype)
	if err != nil || !strings.Contains(m.Global.Datatype, "_le") && dt != CU8 {
		// SigMF requires the endianness suffix on multi-byte types.
		return 0, fmt.Errorf("iqfile: unsupported core:datatype %q (want cf32_le, ci16_le or cu8)", m.Global.Datatype)
	}
	return dt, nil
}

// Marshal returns the indented JSON document.
func (m *Meta) Marshal() ([]byte, error) {
	if m.Captures == nil {
		m.Captures = []Capture{}
	}
	if m.Annotations == nil {
		m.Annotations = []Annotation{}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
