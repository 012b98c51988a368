package main

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/modem/iqfile"
	"github.com/hesemcom/hesemcom/modem/pulse"
	"github.com/hesemcom/hesemcom/phy/channel"
	"github.com/hesemcom/hesemcom/phy/frame"
)

func newIQCmd(_ *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "iq",
		Short: "IQ recordings: record a transmitter to SigMF/raw files, replay a receiver on them, inspect them",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(newIQRecordCmd(), newIQReplayCmd(), newIQInfoCmd())
	return c
}

// recordingFormat resolves --format: sigmf, cf32, ci16 or cu8; "auto"
// decides by the file name (SigMF extension or an existing .sigmf-meta,
// else .ci16/.sc16 → ci16, .cu8 → cu8, anything else cf32 as GNU Radio's
// file sink writes).
func recordingFormat(path, format string) (string, error) {
	switch format {
	case "sigmf", "cf32", "ci16", "cu8":
		return format, nil
	case "", "auto":
	default:
		return "", usageError{fmt.Errorf("--format %q: want sigmf, cf32, ci16 or cu8", format)}
	}
	if iqfile.Base(path) != path {
		return "sigmf", nil
	}
	if _, err := os.Stat(path + iqfile.MetaExt); err == nil {
		return "sigmf", nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ci16", ".sc16":
		return "ci16", nil
	case ".cu8":
		return "cu8", nil
	}
	return "cf32", nil
}

func openRecording(path, format string) (*iqfile.File, string, error) {
	format, err := recordingFormat(path, format)
	if err != nil {
		return nil, "", err
	}
	if format == "sigmf" {
		f, err := iqfile.Open(path)
		return f, format, err
	}
	dt, _ := iqfile.ParseDatatype(format)
	f, err := iqfile.OpenRaw(path, dt)
	return f, format, err
}

// ---- iq info ----

func newIQInfoCmd() *cobra.Command {
	var format string
	var rate float64
	var asJSON bool
	c := &cobra.Command{
		Use:   "info FILE",
		Short: "Print a recording's format, sample rate, sample count, captures and annotations",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, fmtName, err := openRecording(args[0], format)
			if err != nil {
				return err
			}
			defer f.Close()
			sr := f.SampleRate()
			if sr == 0 {
				sr = rate
			}
			out := map[string]any{
				"file": f.Path, "format": fmtName, "datatype": f.Datatype.String(),
				"sample_rate": sr, "samples": f.Samples,
			}
			if sr > 0 {
				out["duration_s"] = float64(f.Samples) / sr
			}
			if f.Meta != nil {
				out["version"] = f.Meta.Global.Version
				out["description"] = f.Meta.Global.Description
				out["captures"] = f.Meta.Captures
				out["annotations"] = f.Meta.Annotations
				out["sha512"] = f.Meta.Global.SHA512
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), out)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "file:        %s\nformat:      %s (%s)\n", f.Path, fmtName, f.Datatype)
			if sr > 0 {
				fmt.Fprintf(w, "sample rate: %g Hz\nsamples:     %d (%.6g s)\n", sr, f.Samples, float64(f.Samples)/sr)
			} else {
				fmt.Fprintf(w, "sample rate: unknown (raw file; pass --sample-rate)\nsamples:     %d\n", f.Samples)
			}
			if f.Meta == nil {
				return nil
			}
			if f.Meta.Global.Description != "" {
				fmt.Fprintf(w, "description: %s\n", f.Meta.Global.Description)
			}
			fmt.Fprintf(w, "captures:    %d\n", len(f.Meta.Captures))
			for i, cp := range f.Meta.Captures {
				fmt.Fprintf(w, "  [%d] sample_start %d  frequency %g Hz  %s\n", i, cp.SampleStart, cp.Frequency, cp.Datetime)
			}
			fmt.Fprintf(w, "annotations: %d\n", len(f.Meta.Annotations))
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			if len(f.Meta.Annotations) > 0 {
				fmt.Fprintln(tw, "  START\tCOUNT\tLABEL\tCOMMENT")
			}
			for _, a := range f.Meta.Annotations {
				fmt.Fprintf(tw, "  %d\t%d\t%s\t%s\n", a.SampleStart, a.SampleCount, a.Label, a.Comment)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&format, "format", "auto", "sigmf, cf32, ci16, cu8 or auto (by file name)")
	c.Flags().Float64Var(&rate, "sample-rate", 0, "sample rate in Hz for raw files")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

// ---- iq record ----

type recordResult struct {
	File         string   `json:"file"`
	Format       string   `json:"format"`
	Datatype     string   `json:"datatype"`
	SampleRate   float64  `json:"sample_rate"`
	Samples      int64    `json:"samples"`
	Frames       int      `json:"frames"`
	PayloadBytes int      `json:"payload_bytes"`
	PayloadSeed  uint64   `json:"payload_seed"`
	Modulation   string   `json:"modulation"`
	SPS          int      `json:"sps"`
	Taps         int      `json:"taps"`
	EsN0dB       *float64 `json:"esn0_db"`
	CFOHz        float64  `json:"cfo_hz"`
	PhaseDeg     float64  `json:"phase_deg"`
	Offset       int      `json:"offset"`
	FirstSymbol  int64    `json:"first_symbol_sample"`
	Scale        float64  `json:"scale"`
	Clipped      int64    `json:"clipped_components"`
	Pcap         string   `json:"pcap,omitempty"`
}

func newIQRecordCmd() *cobra.Command {
	var mf iqModemFlags
	var (
		format, datatype, pcapPath string
		frames, payloadBytes       int
		offset, gap                int
		payloadSeed, seed          uint64
		snr, cfo, phase, rate      float64
		delay                      float64
		scale                      float64
		asJSON                     bool
	)
	c := &cobra.Command{
		Use:   "record OUT",
		Short: "Record a transmitter's output (framed, known seeded payloads, optionally after AWGN and CFO) to SigMF or a raw file",
		Long: `record writes --frames link-layer frames (phy/frame: header, payload, CRC-32) whose
payloads are pseudo-random bytes from PCG(--payload-seed, seq), each mapped to
--mod symbols, framed by the sync preamble and pilots, and pulse shaped. The
channel adds an optional carrier offset (--cfo Hz), phase, and AWGN at --snr
(Es/N0 in dB, DESIGN.md §3). SigMF output carries one annotation per frame.
OUT is a SigMF base name (format sigmf) or a raw file name.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := newIQModem(&mf)
			if err != nil {
				return err
			}
			out := args[0]
			fmtName, err := recordingFormat(out, format)
			if err != nil {
				return err
			}
			if format == "auto" || format == "" {
				// A name without a raw extension is a SigMF base name.
				switch strings.ToLower(filepath.Ext(out)) {
				case ".cf32", ".cfile", ".fc32", ".raw", ".bin", ".ci16", ".sc16", ".cu8":
				default:
					fmtName = "sigmf"
				}
			}
			switch {
			case frames < 0 || payloadBytes < 0 || payloadBytes > frame.MaxPayload:
				return usageError{fmt.Errorf("--frames %d / --payload-bytes %d out of range (payload ≤ %d)", frames, payloadBytes, frame.MaxPayload)}
			case offset < 0 || gap < 0:
				return usageError{errors.New("--offset and --gap must be ≥ 0")}
			case !(rate > 0):
				return usageError{fmt.Errorf("--sample-rate %v must be positive", rate)}
			case math.Abs(cfo/rate) > m.syn.CFORange()/float64(m.sps):
				return usageError{fmt.Errorf("--cfo %g Hz is beyond the sync's range ±%.4g Hz at this rate and sps", cfo, m.syn.CFORange()/float64(m.sps)*rate)}
			}
			dt := iqfile.CF32LE
			if fmtName == "sigmf" {
				if dt, err = iqfile.ParseDatatype(datatype); err != nil {
					return usageError{err}
				}
			} else if dt, err = iqfile.ParseDatatype(fmtName); err != nil {
				return usageError{err}
			}
			withNoise := cmd.Flags().Changed("snr")
			n0 := 0.0
			if withNoise {
				n0 = units.N0(units.DB(snr)) // per sample: Es/N0 after the unit-energy matched filter
			}
			if scale == 0 { // auto: cf32 as is; integers at RMS 0.3 of full scale
				scale = 1
				if dt != iqfile.CF32LE {
					scale = 0.3 / math.Sqrt(1/float64(m.sps)+n0)
				}
			}

			// Output.
			var sink interface{ Write([]complex64) error }
			var sw *iqfile.SigMFWriter
			var rawW *iqfile.Writer
			var closeRaw func() error
			if fmtName == "sigmf" {
				sw, err = iqfile.Create(out, iqfile.Meta{Global: iqfile.Global{
					Datatype: dt.String(), SampleRate: rate, Recorder: "hesemcom iq record",
					Extensions:  []iqfile.Extension{iqfile.HesemcomExtension},
					Description: fmt.Sprintf("%d frames, %s, sps %d, %d-byte payloads from PCG(%d, seq)", frames, m.con.Scheme(), m.sps, payloadBytes, payloadSeed),
				}})
				if err != nil {
					return err
				}
				sink = sw
			} else {
				fh, err := os.Create(out)
				if err != nil {
					return err
				}
				bw := bufio.NewWriterSize(fh, 1<<16)
				rawW = iqfile.NewWriter(bw, dt)
				sink = rawW
				closeRaw = func() error {
					if err := bw.Flush(); err != nil {
						fh.Close()
						return err
					}
					return fh.Close()
				}
			}
			var pw *frame.PcapWriter
			var pcapFile *os.File
			if pcapPath != "" {
				if pcapFile, err = os.Create(pcapPath); err != nil {
					return err
				}
				defer pcapFile.Close()
				if pw, err = frame.NewPcapWriter(pcapFile, frame.PcapConfig{SampleRate: rate}); err != nil {
					return err
				}
			}

			if delay != 0 {
				if math.Abs(delay) >= 1 {
					return usageError{fmt.Errorf("--delay %v must be a fraction of a sample in (−1, 1)", delay)}
				}
				m.taps = convolveTaps(m.taps, fractionalDelay(delay, 16))
			}
			shaper, err := pulse.NewInterpolator(m.taps, m.sps)
			if err != nil {
				return err
			}
			// The channel of phy/channel: carrier offset and phase, then AWGN
			// of N0 per sample (Es/N0 after the unit-energy matched filter).
			rot, err := channel.NewCFO(cfo/rate, phase*math.Pi/180)
			if err != nil {
				return usageError{err}
			}
			awgn := channel.NewAWGN(rand.New(rand.NewPCG(seed, 1)))
			var pos int64
			var wave []complex64
			emit := func(x []complex64) error { // channel, then the file
				x, _ = rot.Apply(x, x)
				if withNoise {
					if x, err = awgn.Apply(x, x, n0); err != nil {
						return err
					}
				}
				if scale != 1 {
					for i := range x {
						x[i] *= complex(float32(scale), 0)
					}
				}
				pos += int64(len(x))
				return sink.Write(x)
			}
			if err := emit(make([]complex64, offset)); err != nil {
				return err
			}
			gapSyms := (gap + m.sps - 1) / m.sps
			var burst []complex64
			for seq := 0; seq < frames; seq++ {
				data := referenceFrame(payloadSeed, uint32(seq), payloadBytes)
				if burst, err = m.modulateFrame(burst, data); err != nil {
					return err
				}
				start := pos
				if wave, err = shaper.Shape(wave, burst); err != nil {
					return err
				}
				if err := emit(wave); err != nil {
					return err
				}
				if sw != nil {
					s := uint32(seq)
					sw.Annotate(iqfile.Annotation{
						SampleStart: uint64(start), SampleCount: uint64(len(burst)*m.sps + len(m.taps) - 1),
						Label: fmt.Sprintf("frame %d", seq), Comment: fmt.Sprintf("first preamble symbol centred at sample %d", start+int64(m.delay())),
						HesemcomSeq: &s, HesemcomPayload: payloadBytes,
					})
				}
				if pw != nil {
					if err := pw.WriteFrame(start+int64(m.delay()), data); err != nil {
						return err
					}
				}
				// The gap flushes the pulse tail (at least span symbols).
				if wave, err = shaper.Shape(wave, make([]complex64, max(gapSyms, (len(m.taps)+m.sps-1)/m.sps))); err != nil {
					return err
				}
				if err := emit(wave); err != nil {
					return err
				}
			}
			res := recordResult{
				File: out, Format: fmtName, Datatype: dt.String(), SampleRate: rate, Samples: pos,
				Frames: frames, PayloadBytes: payloadBytes, PayloadSeed: payloadSeed,
				Modulation: m.con.Scheme().String(), SPS: m.sps, Taps: len(m.taps), CFOHz: cfo, PhaseDeg: phase,
				Offset: offset, FirstSymbol: int64(offset + m.delay()), Scale: scale, Pcap: pcapPath,
			}
			if withNoise {
				res.EsN0dB = &snr
			}
			if sw != nil {
				res.Clipped = sw.Clipped()
				res.File = iqfile.Base(out) + iqfile.MetaExt
				if err := sw.Close(); err != nil {
					return err
				}
			} else {
				res.Clipped = rawW.Clipped()
				if err := closeRaw(); err != nil {
					return err
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d samples (%s, %g Hz), %d frames of %d payload bytes, %s at %d samples/symbol",
				res.File, res.Samples, res.Datatype, rate, frames, payloadBytes, res.Modulation, m.sps)
			if withNoise {
				fmt.Fprintf(cmd.OutOrStdout(), ", Es/N0 %g dB", snr)
			}
			fmt.Fprintf(cmd.OutOrStdout(), ", CFO %g Hz\n", cfo)
			if res.Clipped > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "warning: %d components clipped at full scale (lower --scale)\n", res.Clipped)
			}
			return nil
		},
	}
	mf.add(c)
	fl := c.Flags()
	fl.StringVar(&format, "format", "auto", "sigmf, cf32, ci16, cu8 or auto (by file name; default sigmf unless the name has a raw extension)")
	fl.StringVar(&datatype, "datatype", "cf32_le", "SigMF datatype: cf32_le, ci16_le or cu8")
	fl.IntVar(&frames, "frames", 10, "number of frames")
	fl.IntVar(&payloadBytes, "payload-bytes", 100, "payload bytes per frame")
	fl.Uint64Var(&payloadSeed, "payload-seed", 1, "seed of the known payloads")
	fl.Uint64Var(&seed, "seed", 1, "seed of the channel noise")
	fl.Float64Var(&snr, "snr", 0, "add AWGN at this Es/N0 in dB (no noise when absent)")
	fl.Float64Var(&cfo, "cfo", 0, "carrier frequency offset in Hz")
	fl.Float64Var(&phase, "phase", 0, "carrier phase in degrees")
	fl.Float64Var(&delay, "delay", 0, "timing offset in (−1, 1) samples, a fractional delay the receiver must resolve")
	fl.Float64Var(&rate, "sample-rate", 1e6, "sample rate in Hz")
	fl.IntVar(&offset, "offset", 0, "samples (noise only) before the first frame")
	fl.IntVar(&gap, "gap", 200, "samples between frames")
	fl.Float64Var(&scale, "scale", 0, "amplitude scale before writing (0: 1 for cf32, RMS 0.3 of full scale for ci16/cu8)")
	fl.StringVar(&pcapPath, "pcap", "", "also write the transmitted frames to this pcap file (timestamps from sample time)")
	fl.BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

// fractionalDelay returns the 2m+1 taps of a Hann-windowed sinc that delays
// a band-limited signal by d samples (|d| < 1), normalised to unit DC gain.
// For the pulse-shaped signals here (bandwidth ≤ (1+β)/(2·sps) ≤ 0.25 of
// the sample rate for sps ≥ 4, β ≤ 1) and m = 16 the error is far below the
// noise of any test.
func fractionalDelay(d float64, m int) []float32 {
	h := make([]float64, 2*m+1)
	var sum float64
	for k := range h {
		x := float64(k-m) - d
		s := 1.0
		if x != 0 {
			s = math.Sin(math.Pi*x) / (math.Pi * x)
		}
		w := 0.5 + 0.5*math.Cos(math.Pi*x/float64(m+1)) // Hann over |x| < m+1
		h[k] = s * w
		sum += h[k]
	}
	out := make([]float32, len(h))
	for k, v := range h {
		out[k] = float32(v / sum)
	}
	return out
}

// convolveTaps returns the full convolution a ∗ b.
func convolveTaps(a, b []float32) []float32 {
	out := make([]float32, len(a)+len(b)-1)
	for i, x := range a {
		for j, y := range b {
			out[i+j] += x * y
		}
	}
	return out
}
