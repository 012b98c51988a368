package frame

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"
)

// PcapConfig describes a capture. Zero fields take the documented defaults.
type PcapConfig struct {
	// SampleRate in Hz converts sample indices to timestamps. Required (> 0).
	SampleRate float64 `json:"sample_rate"`
	// Epoch is the time of sample 0; zero means the Unix epoch, so captures
	// are reproducible (pcapgo would stamp a zero time with time.Now()).
	Epoch time.Time `json:"epoch"`
	// SnapLen is the capture's snapshot length; 0 means MaxLen.
	SnapLen uint32 `json:"snap_len"`
}

// PcapWriter writes frames to a pcap stream with link type USER0 and
// nanosecond timestamps taken from simulated sample time.
type PcapWriter struct {
	cfg PcapConfig
	w   *pcapgo.Writer
}

// NewPcapWriter validates cfg, writes the pcap file header to w and returns
// the writer.
func NewPcapWriter(w io.Writer, cfg PcapConfig) (*PcapWriter, error) {
	if !(cfg.SampleRate > 0) || math.IsInf(cfg.SampleRate, 0) {
		return nil, fmt.Errorf("frame: pcap sample rate %v must be positive and finite", cfg.SampleRate)
	}
	if cfg.Epoch.IsZero() {
		cfg.Epoch = time.Unix(0, 0).UTC()
	}
	if cfg.SnapLen == 0 {
		cfg.SnapLen = MaxLen
	}
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(cfg.SnapLen, LinkType); err != nil {
		return nil, fmt.Errorf("frame: writing pcap header: %w", err)
	}
	return &PcapWriter{cfg: cfg, w: pw}, nil
}

// Config returns the checked configuration (defaults filled in).
func (p *PcapWriter) Config() PcapConfig { return p.cfg }

// Timestamp returns the time of sample index sample: Epoch + sample/SampleRate,
// rounded to the nanosecond.
func (p *PcapWriter) Timestamp(sample int64) time.Time {
	return p.cfg.Epoch.Add(time.Duration(math.Round(float64(sample) / p.cfg.SampleRate * 1e9)))
}

// WriteFrame writes one captured frame (any bytes: corrupted frames are
// recorded as received) stamped with the time of sample index sample, where
// the frame's first sample was. Data longer than SnapLen is truncated in the
// capture with its original length kept, as pcap does.
func (p *PcapWriter) WriteFrame(sample int64, data []byte) error {
	if sample < 0 {
		return errors.New("frame: negative sample index")
	}
	capLen := len(data)
	if capLen > int(p.cfg.SnapLen) {
		capLen = int(p.cfg.SnapLen)
	}
	ci := gopacket.CaptureInfo{Timestamp: p.Timestamp(sample), CaptureLength: capLen, Length: len(data)}
	if err := p.w.WritePacket(ci, data[:capLen]); err != nil {
		return fmt.Errorf("frame: writing pcap record: %w", err)
	}
	return nil
}
