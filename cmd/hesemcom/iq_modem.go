package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/modem/pulse"
	"github.com/hesemcom/hesemcom/modem/qam"
	"github.com/hesemcom/hesemcom/modem/sync"
	"github.com/hesemcom/hesemcom/phy/frame"
)

// iqModemFlags are the single-carrier modem settings shared by
// "iq record" and "iq replay".
type iqModemFlags struct {
	mod           string
	constellation string
	sps           int
	rolloff       float64
	span          int
	taps          string
	preambleLen   int
	pilotSpacing  int
	cmd           *cobra.Command
}

func (f *iqModemFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.mod, "mod", "qpsk", "modulation: bpsk, pi2bpsk, qpsk, 16qam, 64qam, 256qam or custom (TS 38.211 §5.1 mappings)")
	fl.StringVar(&f.constellation, "constellation", "", `text file of "re im" lines: the points in bit-label order (first bit most significant), for tools whose mapping differs from 3GPP; implies --mod custom`)
	fl.IntVar(&f.sps, "sps", pulse.DefaultSPS, "samples per symbol")
	fl.Float64Var(&f.rolloff, "rolloff", 0.35, "root-raised-cosine roll-off β")
	fl.IntVar(&f.span, "span", pulse.DefaultSpan, "root-raised-cosine span in symbols")
	fl.StringVar(&f.taps, "taps", "", "text file of real filter taps (one per line) used instead of the RRC: the shaping filter for record, the matched filter for replay")
	fl.IntVar(&f.preambleLen, "preamble-len", sync.DefaultPreambleLen, "preamble length in symbols (frame sync)")
	fl.IntVar(&f.pilotSpacing, "pilot-spacing", sync.DefaultPilotSpacing, "data symbols between pilot symbols (frame sync)")
	f.cmd = c
}

// iqModem is the single-carrier burst modem of the iq commands: link frame
// bytes → bits → constellation → sync burst (preamble, pilots) → pulse
// shaping, and the reverse.
type iqModem struct {
	con  *qam.Constellation
	taps []float32 // shaping filter; the matched filter is its reverse
	sps  int
	syn  *sync.Synchronizer
}

func newIQModem(f *iqModemFlags) (*iqModem, error) {
	m := &iqModem{sps: f.sps}
	scheme, err := qam.ParseScheme(f.mod)
	if err != nil {
		return nil, usageError{err}
	}
	switch {
	case f.constellation != "":
		pts, err := readPointsFile(f.constellation)
		if err != nil {
			return nil, err
		}
		if scheme != qam.Custom && scheme.BitsPerSymbol() != 0 && 1<<scheme.BitsPerSymbol() != len(pts) {
			return nil, usageError{fmt.Errorf("--constellation has %d points but --mod %s has %d", len(pts), scheme, 1<<scheme.BitsPerSymbol())}
		}
		if m.con, err = qam.NewCustom(pts, true); err != nil {
			return nil, err
		}
	case scheme == qam.Custom:
		return nil, usageError{errors.New("--mod custom needs --constellation FILE")}
	default:
		if m.con, err = qam.New(scheme); err != nil {
			return nil, err
		}
	}
	if f.taps != "" && f.cmd != nil && (f.cmd.Flags().Changed("rolloff") || f.cmd.Flags().Changed("span")) {
		return nil, usageError{errors.New("--taps replaces the RRC: it excludes --rolloff and --span")}
	}
	if f.taps != "" {
		if m.taps, err = readTapsFile(f.taps); err != nil {
			return nil, err
		}
		if f.sps < 1 || f.sps > 1024 {
			return nil, usageError{fmt.Errorf("--sps %d out of range [1, 1024]", f.sps)}
		}
	} else {
		if m.taps, err = pulse.RRC(pulse.Config{Rolloff: f.rolloff, Span: f.span, SPS: f.sps}); err != nil {
			return nil, usageError{err}
		}
	}
	m.syn, err = sync.New(sync.Config{PreambleLen: f.preambleLen, PilotSpacing: f.pilotSpacing, SPS: f.sps})
	if err != nil {
		return nil, usageError{err}
	}
	return m, nil
}

// delay is the matched filter's delay in samples: output j of the
// full-rate matched filter is centred on input sample j − delay.
func (m *iqModem) delay() int { return (len(m.taps) - 1) / 2 }

// frameSymbols is the number of data symbols carrying an n-byte frame.
func (m *iqModem) frameSymbols(nbytes int) int {
	b := m.con.BitsPerSymbol()
	return (nbytes*8 + b - 1) / b
}

// modulateFrame maps the frame bytes to the data symbols of one burst
// (zero bits pad the last symbol) and returns the burst symbols.
func (m *iqModem) modulateFrame(dst []complex64, data []byte) ([]complex64, error) {
	bits := bytesToBits(nil, data)
	for len(bits)%m.con.BitsPerSymbol() != 0 {
		bits = append(bits, 0)
	}
	sym, err := m.con.Map(nil, bits)
	if err != nil {
		return nil, err
	}
	return m.syn.Burst(dst, sym)
}

// bytesToBits appends the bits of b, most significant first, one per byte.
func bytesToBits(dst, b []byte) []byte {
	for _, v := range b {
		for i := 7; i >= 0; i-- {
			dst = append(dst, v>>i&1)
		}
	}
	return dst
}

// bitsToBytes packs whole bytes of bits (MSB first); trailing bits are dropped.
func bitsToBytes(dst, bits []byte) []byte {
	for i := 0; i+8 <= len(bits); i += 8 {
		var v byte
		for _, b := range bits[i : i+8] {
			v = v<<1 | b&1
		}
		dst = append(dst, v)
	}
	return dst
}

// payloadFor returns the known test payload of frame seq: n bytes from
// PCG(seed, seq), so a receiver can regenerate any frame independently.
func payloadFor(seed uint64, seq uint32, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, uint64(seq)))
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(rng.Uint32())
	}
	return p
}

// referenceFrame is the frame the recorder sends as number seq.
func referenceFrame(seed uint64, seq uint32, n int) []byte {
	f := &frame.Frame{Type: frame.TypeData, Seq: seq}
	b, _ := frame.Append(nil, f, payloadFor(seed, seq, n)) // n ≤ MaxPayload checked by callers
	return b
}

func readPointsFile(path string) ([]complex128, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pts, err := qam.ReadPoints(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pts, nil
}

// readTapsFile parses real filter taps, one per line (blank lines and '#'
// comments skipped), at most 65536, all finite and not all zero.
func readTapsFile(path string) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readTaps(f, path)
}

func readTaps(r io.Reader, name string) ([]float32, error) {
	sc := bufio.NewScanner(r)
	var taps []float32
	nonzero := false
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		for _, fld := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' }) {
			v, err := strconv.ParseFloat(fld, 32)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s: line %d: tap %q is not a finite number", name, line, fld)
			}
			if len(taps) == 1<<16 {
				return nil, fmt.Errorf("%s: line %d: more than 65536 taps", name, line)
			}
			taps = append(taps, float32(v))
			nonzero = nonzero || v != 0
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(taps) == 0 || !nonzero {
		return nil, fmt.Errorf("%s: no non-zero taps", name)
	}
	return taps, nil
}
