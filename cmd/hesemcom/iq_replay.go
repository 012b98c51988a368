package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/modem/iqfile"
	"github.com/hesemcom/hesemcom/modem/pulse"
	"github.com/hesemcom/hesemcom/modem/sync"
	"github.com/hesemcom/hesemcom/phy/frame"
)

// replayFrame is one detected burst.
type replayFrame struct {
	Index        int     `json:"index"`
	Sample       int64   `json:"sample"` // recording sample where the first preamble symbol is centred
	Outcome      string  `json:"outcome"`
	Seq          uint32  `json:"seq"`
	Type         string  `json:"type,omitempty"`
	KeyID        uint16  `json:"key_id"`
	PayloadBytes int     `json:"payload_bytes"`
	CRCOK        bool    `json:"crc_ok"`
	Metric       float64 `json:"sync_metric"`
	CFOHz        float64 `json:"cfo_hz"`
	SNRdB        float64 `json:"preamble_esn0_db"`
	EVMPercent   float64 `json:"evm_percent"`
	BitErrors    *int64  `json:"bit_errors,omitempty"`
}

// Frame outcomes: a CRC failure, a header that cannot be right and a burst
// cut by the end of the recording are counted, never dropped silently.
const (
	outcomeOK        = "ok"
	outcomeCRC       = "crc_failed"
	outcomeHeader    = "bad_header"
	outcomeTruncated = "truncated"
)

type replayResult struct {
	File           string        `json:"file"`
	Format         string        `json:"format"`
	Datatype       string        `json:"datatype"`
	SampleRate     float64       `json:"sample_rate"`
	Samples        int64         `json:"samples"`
	Mode           string        `json:"mode"` // "sync" (preamble search) or "offset"
	Modulation     string        `json:"modulation"`
	SPS            int           `json:"sps"`
	Taps           int           `json:"taps"`
	FramesExpected *int          `json:"frames_expected,omitempty"` // SigMF annotations
	FramesFound    int           `json:"frames_found"`
	CRCOK          int           `json:"crc_ok"`
	CRCFailed      int           `json:"crc_failed"`
	BadHeader      int           `json:"bad_header"`
	Truncated      int           `json:"truncated"`
	Symbols        int64         `json:"symbols"`
	Bits           int64         `json:"bits"`
	Reference      string        `json:"reference"` // payload-seed, ref-bits or none
	BitsCompared   int64         `json:"bits_compared"`
	BitErrors      int64         `json:"bit_errors"`
	BER            *float64      `json:"ber"`
	EVMPercent     float64       `json:"evm_percent"`
	EVMdB          float64       `json:"evm_db"`
	EVMReference   string        `json:"evm_reference"` // "known symbols" or "decisions"
	Frames         []replayFrame `json:"frames,omitempty"`
}

type replayOpts struct {
	format, outSymbols, outBits, refBits, pcap string
	offset                                     int64
	payloadSeed                                uint64
	payloadBytes, maxPayload                   int
	rate                                       float64
	asJSON                                     bool
}

func newIQReplayCmd() *cobra.Command {
	var mf iqModemFlags
	var o replayOpts
	c := &cobra.Command{
		Use:   "replay FILE",
		Short: "Run the receiver on a recording: find frames, demodulate, report BER/EVM against the known payload",
		Long: `replay filters FILE with the matched filter and, by default, searches it for
the sync preamble of "iq record": each burst found is corrected for carrier
offset, gain and phase, demodulated and decoded as a link-layer frame, and
counted as ok, crc_failed, bad_header or truncated. With --payload-seed (the
recorder's) every frame is compared bit by bit with the payload regenerated
for its sequence number.

With --offset K there is no preamble search: the recording (e.g. from another
SDR tool) is taken as a plain symbol stream whose first symbol is centred at
sample K; symbols are sampled every --sps samples after the matched filter,
scaled to unit average power (the phase must be coherent: nothing resolves a
rotation without pilots), and decided; compare with --ref-bits.

--out-symbols writes the recovered data symbols (cf32), --out-bits the hard
bits (one bit per byte, 0/1).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := newIQModem(&mf)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("payload-seed") && o.refBits != "" {
				return usageError{errors.New("--payload-seed and --ref-bits are exclusive")}
			}
			if o.maxPayload < 0 || o.maxPayload > frame.MaxPayload {
				return usageError{fmt.Errorf("--max-payload %d out of range [0, %d]", o.maxPayload, frame.MaxPayload)}
			}
			f, fmtName, err := openRecording(args[0], o.format)
			if err != nil {
				return err
			}
			defer f.Close()
			update, finish := newProgress(cmd.ErrOrStderr(), "replay")
			defer finish()
			r := &replayer{m: m, o: o, f: f, withRef: cmd.Flags().Changed("payload-seed"), progress: update}
			r.res = replayResult{
				File: f.Path, Format: fmtName, Datatype: f.Datatype.String(), Samples: f.Samples,
				Modulation: m.con.Scheme().String(), SPS: m.sps, Taps: len(m.taps), Mode: "sync",
				EVMReference: "decisions", Reference: "none",
			}
			r.rate = f.SampleRate()
			if r.rate == 0 {
				r.rate = o.rate
			}
			r.res.SampleRate = r.rate
			if f.Meta != nil && len(f.Meta.Annotations) > 0 {
				n := len(f.Meta.Annotations)
				r.res.FramesExpected = &n
			}
			if err := r.openOutputs(); err != nil {
				return err
			}
			if cmd.Flags().Changed("offset") {
				r.res.Mode = "offset"
				err = r.runOffset()
			} else {
				err = r.runSync()
			}
			if cerr := r.closeOutputs(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			r.finish()
			if o.asJSON {
				return writeJSON(cmd.OutOrStdout(), r.res)
			}
			r.printText(cmd.OutOrStdout())
			return nil
		},
	}
	mf.add(c)
	fl := c.Flags()
	fl.StringVar(&o.format, "format", "auto", "sigmf, cf32, ci16, cu8 or auto (by file name)")
	fl.Int64Var(&o.offset, "offset", 0, "no preamble search: the first symbol is centred at this sample")
	fl.StringVar(&o.outSymbols, "out-symbols", "", "write the recovered data symbols to this file (raw cf32)")
	fl.StringVar(&o.outBits, "out-bits", "", "write the hard bits to this file (one bit per byte, 0/1)")
	fl.Uint64Var(&o.payloadSeed, "payload-seed", 1, "the recorder's --payload-seed: compare every frame with its known payload")
	fl.IntVar(&o.payloadBytes, "payload-bytes", 0, "the recorder's --payload-bytes, used as the reference length of frames whose header is corrupted (0: the header's)")
	fl.StringVar(&o.refBits, "ref-bits", "", "reference bits (one per byte, 0/1) to compare with the output bits")
	fl.IntVar(&o.maxPayload, "max-payload", frame.MaxPayload, "frames announcing a longer payload count as bad_header")
	fl.Float64Var(&o.rate, "sample-rate", 0, "sample rate in Hz for raw files (used for CFO in Hz and pcap times)")
	fl.StringVar(&o.pcap, "pcap", "", "write every decoded frame (CRC failures included) to this pcap file")
	fl.BoolVar(&o.asJSON, "json", false, "print one JSON object")
	return c
}

type replayer struct {
	m       *iqModem
	o       replayOpts
	f       *iqfile.File
	res     replayResult
	rate    float64
	withRef bool

	symW    *iqfile.Writer
	symBuf  *bufio.Writer
	symFile *os.File
	bitBuf  *bufio.Writer
	bitFile *os.File
	pcapF   *os.File
	pw      *frame.PcapWriter
	ref     *bufio.Reader // --ref-bits

	errPow, refPow float64 // EVM accumulators
	lastSeq        int64
	progress       func(done, total int64)
}

func (r *replayer) openOutputs() error {
	var err error
	if r.o.outSymbols != "" {
		if r.symFile, err = os.Create(r.o.outSymbols); err != nil {
			return err
		}
		r.symBuf = bufio.NewWriterSize(r.symFile, 1<<16)
		r.symW = iqfile.NewWriter(r.symBuf, iqfile.CF32LE)
	}
	if r.o.outBits != "" {
		if r.bitFile, err = os.Create(r.o.outBits); err != nil {
			return err
		}
		r.bitBuf = bufio.NewWriterSize(r.bitFile, 1<<16)
	}
	if r.o.pcap != "" {
		if r.pcapF, err = os.Create(r.o.pcap); err != nil {
			return err
		}
		rate := r.rate
		if rate == 0 {
			rate = 1 // unknown: timestamps count samples as seconds
		}
		if r.pw, err = frame.NewPcapWriter(r.pcapF, frame.PcapConfig{SampleRate: rate}); err != nil {
			return err
		}
	}
	if r.o.refBits != "" {
		rf, err := os.Open(r.o.refBits)
		if err != nil {
			return err
		}
		r.ref = bufio.NewReader(rf)
		r.res.Reference = "ref-bits"
	} else if r.withRef {
		r.res.Reference = "payload-seed"
	}
	r.lastSeq = -1
	return nil
}

func (r *replayer) closeOutputs() error {
	var first error
	keep := func(err error) {
		if first == nil && err != nil {
			first = err
		}
	}
	if r.symFile != nil {
		keep(r.symBuf.Flush())
		keep(r.symFile.Close())
	}
	if r.bitFile != nil {
		keep(r.bitBuf.Flush())
		keep(r.bitFile.Close())
	}
	if r.pcapF != nil {
		keep(r.pcapF.Close())
	}
	return first
}

// emit records symbols and bits for the outputs and the --ref-bits check.
func (r *replayer) emit(sym []complex64, bitv []byte) error {
	r.res.Symbols += int64(len(sym))
	r.res.Bits += int64(len(bitv))
	if r.symW != nil {
		if err := r.symW.Write(sym); err != nil {
			return err
		}
	}
	if r.bitBuf != nil {
		if _, err := r.bitBuf.Write(bitv); err != nil {
			return err
		}
	}
	if r.ref != nil {
		for _, b := range bitv {
			rb, err := r.ref.ReadByte()
			if err == io.EOF {
				r.ref = nil // reference exhausted: compare the common prefix only
				break
			}
			if err != nil {
				return err
			}
			if rb > 1 {
				return fmt.Errorf("%s: byte %d is %d, want 0 or 1", r.o.refBits, r.res.BitsCompared, rb)
			}
			r.res.BitsCompared++
			if rb != b {
				r.res.BitErrors++
			}
		}
	}
	return nil
}

// evm accumulates the error vector of sym against ideal points ref.
func (r *replayer) evm(sym, ref []complex64) (percent float64) {
	var e, p float64
	for i := range min(len(sym), len(ref)) {
		d := sym[i] - ref[i]
		e += float64(real(d)*real(d) + imag(d)*imag(d))
		p += float64(real(ref[i])*real(ref[i]) + imag(ref[i])*imag(ref[i]))
	}
	r.errPow += e
	r.refPow += p
	if p == 0 {
		return 0
	}
	return 100 * math.Sqrt(e/p)
}

// decisions returns the hard bits of sym and the points they select.
func (r *replayer) decisions(sym []complex64) ([]byte, []complex64, error) {
	bitv, err := r.m.con.Decide(nil, sym)
	if err != nil {
		return nil, nil, err
	}
	pts, err := r.m.con.Map(nil, bitv)
	return bitv, pts, err
}

// readSamples streams the recording through fn in blocks; at the end it
// passes tail zeros (to flush filters) with eof set.
func (r *replayer) readSamples(tail int, fn func(x []complex64, eof bool) error) error {
	buf := make([]complex64, 0, 1<<15)
	var done int64
	for {
		x, err := r.f.Read(buf)
		if err == io.EOF {
			return fn(make([]complex64, tail), true)
		}
		if err != nil {
			return err
		}
		if err := fn(x, false); err != nil {
			return err
		}
		done += int64(len(x))
		r.progress(done, r.f.Samples)
	}
}

func (r *replayer) runSync() error {
	m, syn := r.m, r.m.syn
	mf, err := pulse.NewDecimator(pulse.Reversed(m.taps), 1, 0)
	if err != nil {
		return err
	}
	var (
		y         []complex64 // matched-filter output not yet consumed
		base      int64       // stream index of y[0]
		next      int64       // where the preamble search resumes
		mfOut     []complex64
		hdrSyms   = m.frameSymbols(frame.HeaderLen)
		symBuf    []complex64
		index     int
		delay     = int64(m.delay())
		sampleAt  = func(d sync.Detection) int64 { return max(base+int64(d.Start)-delay, 0) }
		cyclesPer = r.rate / (2 * math.Pi)
	)
	return r.readSamples(len(m.taps)+syn.TailLen(), func(x []complex64, eof bool) error {
		if mfOut, err = mf.Filter(mfOut, x); err != nil {
			return err
		}
		y = append(y, mfOut...)
		for {
			d, ok, nx := syn.Detect(y, int(next-base))
			if !ok {
				next = base + int64(nx)
				break
			}
			rf := replayFrame{Index: index, Sample: sampleAt(d), Metric: d.Metric, CFOHz: d.CFO * cyclesPer, SNRdB: 10 * math.Log10(d.SNR)}
			// reject records the frame as undecodable (outcome, counted in
			// *n); the search resumes after its preamble.
			reject := func(outcome string, n *int) {
				rf.Outcome = outcome
				*n++
				r.res.Frames = append(r.res.Frames, rf)
				index++
				next = base + int64(d.Start+syn.Span())
			}
			// The header first: it gives the frame length.
			hs, err := syn.Symbols(symBuf, y, d, hdrSyms, 0)
			if errors.Is(err, sync.ErrShort) {
				if !eof {
					next = base + int64(d.Start)
					break
				}
				reject(outcomeTruncated, &r.res.Truncated)
				continue
			} else if err != nil {
				return err
			}
			hb, _, err := r.decisions(hs)
			if err != nil {
				return err
			}
			hdr := bitsToBytes(nil, hb)
			length := int(binary.BigEndian.Uint16(hdr[8:]))
			if hdr[0] != frame.Version || length > r.o.maxPayload {
				reject(outcomeHeader, &r.res.BadHeader)
				continue
			}
			total := m.frameSymbols(frame.Len(length))
			fs, err := syn.Symbols(symBuf, y, d, total, total)
			if errors.Is(err, sync.ErrShort) {
				if !eof {
					next = base + int64(d.Start)
					break
				}
				reject(outcomeTruncated, &r.res.Truncated)
				continue
			} else if err != nil {
				return err
			}
			symBuf = fs
			if err := r.decodeFrame(&rf, fs, length); err != nil {
				return err
			}
			r.res.Frames = append(r.res.Frames, rf)
			index++
			next = base + int64(d.Start+syn.BurstSpan(total))
		}
		// Drop what the search has passed.
		if drop := next - base; drop > 0 {
			drop = min(drop, int64(len(y)))
			y = append(y[:0], y[drop:]...)
			base += drop
		}
		return nil
	})
}

// decodeFrame decides the data symbols of one burst, checks the frame and
// compares it with the reference.
func (r *replayer) decodeFrame(rf *replayFrame, fs []complex64, length int) error {
	bitv, pts, err := r.decisions(fs)
	if err != nil {
		return err
	}
	n := frame.Len(length)
	bitv = bitv[:n*8]
	data := bitsToBytes(nil, bitv)
	var fr frame.Frame
	derr := fr.Decode(data)
	var ce *frame.CRCError
	switch {
	case derr == nil:
		rf.Outcome, rf.CRCOK = outcomeOK, true
		r.res.CRCOK++
	case errors.As(derr, &ce):
		rf.Outcome = outcomeCRC
		r.res.CRCFailed++
	default: // cannot happen: version and length were checked
		rf.Outcome = outcomeHeader
		r.res.BadHeader++
	}
	r.res.FramesFound++
	rf.Seq, rf.Type, rf.KeyID, rf.PayloadBytes = fr.Seq, fr.Type.String(), fr.KeyID, int(fr.Length)
	if r.pw != nil {
		if err := r.pw.WriteFrame(rf.Sample, data); err != nil {
			return err
		}
	}
	// Reference: the recorder's frame for this sequence number (the next
	// one after the last good frame when the CRC failed).
	if r.withRef {
		seq := int64(fr.Seq)
		if !rf.CRCOK {
			seq = r.lastSeq + 1
		}
		refLen := length
		if !rf.CRCOK && r.o.payloadBytes > 0 {
			refLen = r.o.payloadBytes
		}
		ref := referenceFrame(r.o.payloadSeed, uint32(seq), refLen)
		var errs int64
		for i := range max(len(ref), len(data)) {
			switch {
			case i < len(ref) && i < len(data):
				errs += int64(bits.OnesCount8(ref[i] ^ data[i]))
			case i < len(ref):
				errs += 8 // missing bits count as errors
			}
		}
		rf.BitErrors = &errs
		r.res.BitErrors += errs
		r.res.BitsCompared += int64(8 * len(ref))
		refBits := bytesToBits(nil, ref)
		for len(refBits)%r.m.con.BitsPerSymbol() != 0 {
			refBits = append(refBits, 0)
		}
		refSym, err := r.m.con.Map(nil, refBits)
		if err != nil {
			return err
		}
		rf.EVMPercent = r.evm(fs, refSym)
		r.res.EVMReference = "known symbols"
	} else {
		rf.EVMPercent = r.evm(fs, pts)
	}
	if rf.CRCOK {
		r.lastSeq = int64(fr.Seq)
	} else {
		r.lastSeq++
	}
	return r.emit(fs, bitv)
}

// runOffset is the plain symbol-stream receiver of --offset.
func (r *replayer) runOffset() error {
	m := r.m
	if r.o.offset < 0 || r.o.offset >= max(r.f.Samples, 1) {
		return usageError{fmt.Errorf("--offset %d outside the recording's %d samples", r.o.offset, r.f.Samples)}
	}
	// The first symbol peaks at matched-filter output K + delay: the
	// decimator's phase and the skipped outputs select it. The file is read
	// from sample 0 so the first pulses are whole.
	first := r.o.offset + int64(m.delay())
	dec, err := pulse.NewDecimator(pulse.Reversed(m.taps), m.sps, int(first%int64(m.sps)))
	if err != nil {
		return err
	}
	skip := int(first / int64(m.sps))
	var (
		out    []complex64
		gain   float32
		warm   []complex64 // symbols held until the gain is known
		finish = func(sym []complex64) error {
			for i := range sym {
				sym[i] *= complex(gain, 0)
			}
			bitv, pts, err := r.decisions(sym)
			if err != nil {
				return err
			}
			r.evm(sym, pts)
			return r.emit(sym, bitv)
		}
	)
	const warmLen = 4096 // symbols used for the blind power normalisation
	err = r.readSamples(m.delay(), func(x []complex64, eof bool) error {
		if out, err = dec.Filter(out, x); err != nil {
			return err
		}
		sym := out
		if skip > 0 {
			k := min(skip, len(sym))
			sym, skip = sym[k:], skip-k
		}
		if gain == 0 {
			warm = append(warm, sym...)
			if len(warm) < warmLen && !eof {
				return nil
			}
			var p float64
			for _, v := range warm {
				p += float64(real(v)*real(v) + imag(v)*imag(v))
			}
			if p == 0 {
				return errors.New("replay: the recording is all zeros after --offset")
			}
			gain = float32(math.Sqrt(m.con.Energy() * float64(len(warm)) / p))
			sym, warm = warm, nil
		}
		return finish(sym)
	})
	return err
}

func (r *replayer) finish() {
	if r.refPow > 0 {
		r.res.EVMPercent = 100 * math.Sqrt(r.errPow/r.refPow)
		r.res.EVMdB = 10 * math.Log10(r.errPow/r.refPow)
	}
	if r.res.BitsCompared > 0 {
		ber := float64(r.res.BitErrors) / float64(r.res.BitsCompared)
		r.res.BER = &ber
	}
}

func (r *replayer) printText(w io.Writer) {
	res := &r.res
	fmt.Fprintf(w, "%s: %s (%s), %d samples", res.File, res.Format, res.Datatype, res.Samples)
	if res.SampleRate > 0 {
		fmt.Fprintf(w, " at %g Hz", res.SampleRate)
	}
	fmt.Fprintf(w, "\nreceiver: %s, %d samples/symbol, %d taps, mode %s\n", res.Modulation, res.SPS, res.Taps, res.Mode)
	if res.Mode == "sync" {
		fmt.Fprintf(w, "frames: %d decoded (%d ok, %d CRC failed), %d bad header, %d truncated", res.FramesFound, res.CRCOK, res.CRCFailed, res.BadHeader, res.Truncated)
		if res.FramesExpected != nil {
			fmt.Fprintf(w, "; %d annotated in the recording", *res.FramesExpected)
		}
		fmt.Fprintln(w)
		for _, f := range res.Frames {
			fmt.Fprintf(w, "  #%d sample %d: %s seq %d, %d bytes, CFO %.1f Hz, Es/N0 %.1f dB, EVM %.2f%%",
				f.Index, f.Sample, f.Outcome, f.Seq, f.PayloadBytes, f.CFOHz, f.SNRdB, f.EVMPercent)
			if f.BitErrors != nil {
				fmt.Fprintf(w, ", %d bit errors", *f.BitErrors)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "symbols %d, bits %d, EVM %.2f%% (%.1f dB, against %s)\n", res.Symbols, res.Bits, res.EVMPercent, res.EVMdB, res.EVMReference)
	if res.BER != nil {
		fmt.Fprintf(w, "BER %.3g (%d errors in %d bits, reference %s)\n", *res.BER, res.BitErrors, res.BitsCompared, res.Reference)
	}
}
