package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/modem/iqfile"
)

// Recording the encrypted link (issue 9): at the iq level the digital
// transport's received IQ, frame after frame, goes to a SigMF recording
// (BASE.sigmf-meta, BASE.sigmf-data, one annotation per frame with its
// sequence number). Two files go with it: BASE.link.json, the Recording —
// what the receiver needs besides the samples (the link's settings, each
// batch's images, key id and place in the file) and the live receiver's
// decisions — and BASE.key, the receiver's secret key (mode 0600: whoever
// holds it decrypts the recording). ReplayDigital runs the receiver over
// the files again, in any process.

// RecordingVersion is the version of the Recording format.
const RecordingVersion = 1

// Recording is the sidecar of a recording of the digital transport.
type Recording struct {
	Version    int             `json:"version"`
	HEParams   string          `json:"he_params"` // he.Params.String(), checked on replay
	Dataset    string          `json:"dataset"`
	Channel    string          `json:"channel"` // iq-level channel (ParseIQChannel)
	SNR        float64         `json:"snr_db"`  // Es/N0 the receiver assumes; selects the per-SNR model
	Weights    string          `json:"weights"` // per-snr or agnostic
	SampleRate float64         `json:"sample_rate"`
	Digital    DigitalConfig   `json:"digital"`
	Batches    []RecordedBatch `json:"batches"`
}

// RecordedBatch is one CKKS batch of a recording.
type RecordedBatch struct {
	From        int    `json:"from"` // first test image
	Images      int    `json:"images"`
	KeyID       uint32 `json:"key_id"`
	SampleStart int64  `json:"sample_start"` // first sample in the recording
	Samples     int64  `json:"samples"`
	Frames      int    `json:"frames"`
	FramesLost  int    `json:"frames_lost"`
	// Retransmissions counts the HARQ retransmissions (DigitalConfig.HARQ).
	Retransmissions int `json:"retransmissions,omitempty"`
	// Labels are the live receiver's decisions (255: none, the batch was
	// lost).
	Labels []int `json:"labels"`
}

// Recording file names for a base path.
const (
	RecordingExt = ".link.json"
	KeyExt       = ".key"
)

// A Recorder writes a recording of the digital transport. Hook it into the
// link's DigitalConfig and run one iq-level digital point on one worker.
type Recorder struct {
	base   string
	w      *iqfile.SigMFWriter
	rec    Recording
	sample int64
	key    *he.SharedKey
}

// NewRecorder creates the SigMF files at base; rec gives the link's
// settings (its Batches are filled in by the run).
func NewRecorder(base string, rec Recording) (*Recorder, error) {
	if rec.SampleRate == 0 {
		rec.SampleRate = DefaultIQSampleRate
	}
	w, err := iqfile.Create(base, iqfile.Meta{Global: iqfile.Global{
		SampleRate:  rec.SampleRate,
		Description: fmt.Sprintf("hesemcom model 4, digital transport, %s, %s at %g dB: received IQ of each frame (replay: hesemcom transport replay)", rec.Dataset, rec.Channel, rec.SNR),
		Recorder:    "hesemcom",
		Extensions:  []iqfile.Extension{iqfile.HesemcomExtension},
	}})
	if err != nil {
		return nil, err
	}
	rec.Version, rec.Batches = RecordingVersion, nil
	return &Recorder{base: iqfile.Base(base), w: w, rec: rec}, nil
}

// Hook sets d's recording hooks.
func (r *Recorder) Hook(d *DigitalConfig) {
	d.RecordIQ = func(seq, attempt int, rx []complex64) error {
		s := uint32(seq)
		a := iqfile.Annotation{SampleStart: uint64(r.sample), SampleCount: uint64(len(rx)), Label: "frame", HesemcomSeq: &s}
		if attempt > 0 {
			a.Label, a.Comment = "retransmission", fmt.Sprintf("HARQ transmission %d, rv %d", attempt+1, harqRV[attempt%len(harqRV)])
		}
		r.w.Annotate(a)
		r.sample += int64(len(rx))
		return r.w.Write(rx)
	}
	d.RecordBatch = func(b RecordedBatch, key *he.SharedKey) error {
		var done int64 // where the previous batch ended
		if n := len(r.rec.Batches); n > 0 {
			done = r.rec.Batches[n-1].SampleStart + r.rec.Batches[n-1].Samples
		}
		b.SampleStart = done
		if done+b.Samples != r.sample {
			return fmt.Errorf("link: recording: batch at image %d ends at sample %d, the file at %d", b.From, done+b.Samples, r.sample)
		}
		if r.key == nil {
			r.key = key
		} else if key.ID() != r.key.ID() {
			return errors.New("link: a recording holds one key set: no key rotation while recording")
		}
		r.rec.Batches = append(r.rec.Batches, b)
		return nil
	}
}

// Close finishes the SigMF files and writes the sidecar and the key file.
func (r *Recorder) Close() (*Recording, error) {
	if err := r.w.Close(); err != nil {
		return nil, err
	}
	if len(r.rec.Batches) == 0 {
		return nil, errors.New("link: recording: no batch of the digital transport at the iq level was sent")
	}
	b, err := json.MarshalIndent(&r.rec, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(r.base+RecordingExt, append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	if err := he.WriteSharedKeyFile(r.base+KeyExt, r.key); err != nil {
		return nil, err
	}
	return &r.rec, nil
}

// ReadRecording reads the sidecar of the recording at base.
func ReadRecording(base string) (*Recording, error) {
	name := iqfile.Base(base) + RecordingExt
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("link: %w", err)
	}
	return parseRecording(b, name)
}

// parseRecording decodes and checks the sidecar b read from file name.
func parseRecording(b []byte, name string) (*Recording, error) {
	var r Recording
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("link: %s: %w", name, err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("link: %s: %w", name, err)
	}
	return &r, nil
}

// check validates a sidecar read from a file: everything the replay takes
// from it before it reaches the samples.
func (r *Recording) check() error {
	if r.Version != RecordingVersion {
		return fmt.Errorf("recording version %d, want %d", r.Version, RecordingVersion)
	}
	if _, err := source.ParseName(r.Dataset); err != nil {
		return err
	}
	if _, err := ParseIQChannel(r.Channel); err != nil {
		return err
	}
	if _, err := ParseWeightsPolicy(r.Weights); err != nil {
		return err
	}
	if math.IsNaN(r.SNR) || math.IsInf(r.SNR, 0) || math.Abs(r.SNR) > 100 {
		return fmt.Errorf("SNR %v dB out of range [-100, 100]", r.SNR)
	}
	if r.SampleRate != 0 && (!(r.SampleRate > 0) || math.IsInf(r.SampleRate, 0)) {
		return fmt.Errorf("sample rate %v Hz must be positive", r.SampleRate)
	}
	if _, err := r.Digital.withDefaults(); err != nil {
		return err
	}
	var next int64
	for i, b := range r.Batches {
		switch {
		case b.From < 0 || b.Images < 1 || len(b.Labels) != b.Images:
			return fmt.Errorf("batch %d: %d images from %d with %d labels", i, b.Images, b.From, len(b.Labels))
		case b.SampleStart != next || b.Samples < 0:
			return fmt.Errorf("batch %d: samples [%d, +%d) do not follow the previous batch's end %d", i, b.SampleStart, b.Samples, next)
		case b.Frames < 0 || b.FramesLost < 0 || b.FramesLost > b.Frames || b.Retransmissions < 0:
			return fmt.Errorf("batch %d: %d frames, %d lost, %d retransmissions", i, b.Frames, b.FramesLost, b.Retransmissions)
		}
		next += b.Samples
	}
	return nil
}

// ReplayResult is what the receiver made of a recording.
type ReplayResult struct {
	Images     int     `json:"images"`
	Correct    int     `json:"correct"`
	Accuracy   float64 `json:"accuracy"`
	Frames     int     `json:"frames"`
	FramesLost int     `json:"frames_lost"`
	// Retransmissions counts the HARQ retransmissions the receiver asked
	// for.
	Retransmissions int `json:"retransmissions"`
	// Agree counts the decisions equal to the live run's.
	Agree  int   `json:"decisions_as_live"`
	Labels []int `json:"labels"`
}

// ReplayDigital runs the digital transport's receiver (estimated channel)
// over the recording at base: its samples, sidecar and key file. cfg
// supplies the models, datasets and CKKS parameters as for NewFactory; the
// link settings come from the recording.
func ReplayDigital(ctx context.Context, cfg Config, base string) (*ReplayResult, error) {
	rec, err := ReadRecording(base)
	if err != nil {
		return nil, err
	}
	base = iqfile.Base(base)
	if cfg.Models == nil {
		policy, err := ParseWeightsPolicy(rec.Weights)
		if err != nil {
			return nil, err
		}
		cfg.Models = Pretrained(policy)
	}
	cfg.Digital = rec.Digital
	cfg.Digital.Capture, cfg.Digital.RecordIQ, cfg.Digital.RecordBatch = nil, nil, nil
	cfg.IQ = IQConfig{SampleRate: rec.SampleRate}
	ev, err := NewFactory(cfg)(0)
	if err != nil {
		return nil, err
	}
	e := ev.(*evaluator)
	name, err := source.ParseName(rec.Dataset)
	if err != nil {
		return nil, err
	}
	ds, err := e.cfg.Datasets(name)
	if err != nil {
		return nil, err
	}
	snr := units.DB(rec.SNR)
	m, err := e.model(string(name), Model4, snr)
	if err != nil {
		return nil, err
	}
	if _, err := e.heFor(m); err != nil {
		return nil, err
	}
	if e.params.String() != rec.HEParams {
		return nil, fmt.Errorf("link: recording made with CKKS parameters %s, the receiver has %s", rec.HEParams, e.params)
	}
	key, err := he.ReadSharedKeyFile(base+KeyExt, e.params)
	if err != nil {
		return nil, err
	}
	if err := e.keys.Import(key); err != nil {
		return nil, err
	}
	f, err := iqfile.Open(base)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf []complex64
	var pos int64
	next := func(n int) ([]complex64, error) {
		buf = growC(buf, n)[:0]
		for len(buf) < n {
			blk, err := f.Read(buf[len(buf):n:n])
			if err != nil {
				return nil, err
			}
			buf = buf[:len(buf)+len(blk)]
		}
		pos += int64(n)
		return buf, nil
	}
	res := &ReplayResult{}
	for _, b := range rec.Batches {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		switch {
		case b.SampleStart != pos:
			return res, fmt.Errorf("link: recorded batch at image %d starts at sample %d, want %d", b.From, b.SampleStart, pos)
		case b.KeyID != key.ID():
			return res, fmt.Errorf("link: recorded batch at image %d is under key %d, the key file holds %d", b.From, b.KeyID, key.ID())
		case b.From < 0 || b.Images < 1 || b.Images > e.params.Slots() || b.From+b.Images > ds.Len() || len(b.Labels) != b.Images:
			return res, fmt.Errorf("link: recorded batch at image %d: %d images, %d labels (the set has %d)", b.From, b.Images, len(b.Labels), ds.Len())
		}
		labels, o, err := e.replayDigital(m, rec.Channel, snr, b.Images, b.KeyID, next)
		if err != nil {
			return res, err
		}
		res.Frames += o.frames
		res.FramesLost += o.lost
		res.Retransmissions += o.retx
		for i := range b.Images {
			l := noLabel
			if labels != nil {
				l = int(labels[i])
			}
			res.Labels = append(res.Labels, l)
			if l == int(ds.Labels[b.From+i]) {
				res.Correct++
			}
			if l == b.Labels[i] {
				res.Agree++
			}
		}
		res.Images += b.Images
	}
	if _, err := next(1); err == nil {
		return res, fmt.Errorf("link: the recording holds samples after its last batch")
	} else if err != io.EOF {
		return res, err
	}
	if res.Images > 0 {
		res.Accuracy = float64(res.Correct) / float64(res.Images)
	}
	return res, nil
}

// recordBatch reports batch [from, from+n) to the recording hook.
func (e *evaluator) recordBatch(d *digitalChain, from, n int, keyID uint32, o digitalOutcome) error {
	if d.cfg.RecordBatch == nil || e.iq == nil || e.iq.cur == nil {
		return nil
	}
	key, err := e.keys.SharedKey(e.batches - 1)
	if err != nil {
		return err
	}
	b := RecordedBatch{From: from, Images: n, KeyID: keyID, Samples: o.samples, Frames: o.frames, FramesLost: o.lost, Retransmissions: o.retx, Labels: make([]int, n)}
	for i := range n {
		b.Labels[i] = int(e.labels[i])
	}
	return d.cfg.RecordBatch(b, key)
}
