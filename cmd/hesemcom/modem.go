package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/modem/ofdm"
	"github.com/hesemcom/hesemcom/modem/qam"
	"github.com/hesemcom/hesemcom/phy/channel"
)

func newModemCmd(g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "modem",
		Short: "Modem and channel: BER sweeps against theory, constellation plots",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(newModemBERCmd(), newModemConstellationCmd())
	return c
}

// berConfig describes one BER sweep.
type berConfig struct {
	Mod           string    `json:"mod"`
	Constellation string    `json:"constellation,omitempty"`
	Channel       string    `json:"channel"`
	K             float64   `json:"k,omitempty"`
	Doppler       float64   `json:"doppler"`
	Block         int       `json:"block,omitempty"`
	DelaySpread   float64   `json:"delay_spread_s,omitempty"`
	SampleRate    float64   `json:"sample_rate_hz,omitempty"`
	EbN0          []float64 `json:"ebn0_db"`
	Bits          int64     `json:"max_bits"`
	TargetErrors  int64     `json:"target_errors"`
	Seed          uint64    `json:"seed"`
	OFDM          bool      `json:"ofdm"`
	FFT           int       `json:"fft,omitempty"`
	CP            int       `json:"cp,omitempty"`
	PilotSpacing  int       `json:"pilot_spacing,omitempty"`
	Smoothing     int       `json:"pilot_smoothing,omitempty"`
	Interpolation string    `json:"interpolation,omitempty"`
	LMMSEDelay    int       `json:"lmmse_delay,omitempty"`
	Symbols       int       `json:"ofdm_symbols,omitempty"`
	CSI           string    `json:"csi,omitempty"`
	Equalizer     string    `json:"equalizer,omitempty"`
}

type berPoint struct {
	EbN0   float64  `json:"ebn0_db"`
	EsN0   float64  `json:"esn0_db"`
	CSI    string   `json:"csi,omitempty"`
	Bits   int64    `json:"bits"`
	Errors int64    `json:"errors"`
	BER    float64  `json:"ber"`
	Theory *float64 `json:"theory_ber,omitempty"`
}

type berResult struct {
	Config     berConfig  `json:"config"`
	Theory     string     `json:"theory"`
	Convention string     `json:"snr_convention"`
	Points     []berPoint `json:"points"`
	Files      []string   `json:"files,omitempty"`
}

// loadConstellation builds the constellation named by --mod (and
// --constellation for custom).
func loadConstellation(mod, file string) (*qam.Constellation, error) {
	s, err := qam.ParseScheme(mod)
	if err != nil {
		return nil, usageError{err}
	}
	if s != qam.Custom {
		if file != "" {
			return nil, usageError{errors.New("--constellation needs --mod custom")}
		}
		return qam.New(s)
	}
	if file == "" {
		return nil, usageError{errors.New("--mod custom needs --constellation FILE")}
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pts, err := qam.ReadPoints(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return qam.NewCustom(pts, true)
}

// theoryName says which closed form applies, if any.
func theoryName(cfg berConfig, s qam.Scheme) (name string, rayleigh, ok bool) {
	if s == qam.Custom {
		return "none (custom constellation)", false, false
	}
	switch cfg.Channel {
	case "awgn":
		return "AWGN, exact Gray-QAM BER (Cho & Yoon 2002)", false, true
	case "rayleigh":
		if cfg.Doppler > 0 || cfg.Block > 1 || cfg.OFDM {
			return "flat Rayleigh with perfect CSI (correlated fading: same mean BER)", true, true
		}
		return "flat Rayleigh with perfect CSI", true, true
	case "tdl-a", "tdl-b", "tdl-c":
		return "flat Rayleigh per subcarrier with perfect CSI (each H[k] is CN(0,1))", true, true
	}
	return "none (Rician: between the AWGN and Rayleigh curves; K→∞ tends to AWGN)", false, false
}

func newModemBERCmd() *cobra.Command {
	cfg := berConfig{}
	var (
		ebn0, out string
		asJSON    bool
	)
	c := &cobra.Command{
		Use:   "ber",
		Short: "Uncoded BER vs Eb/N0 for a modulation over a channel, with the theory curve",
		Long: `ber sweeps the uncoded bit error rate of hard decisions against Eb/N0 for one
modulation (TS 38.211 §5.1) over AWGN, flat Rayleigh or Rician fading (coherent, perfect
CSI), or — with --ofdm — over the TR 38.901 TDL-A/B/C channels through the OFDM modem
with estimated (LS, linear interpolation) or perfect channel knowledge.

SNR convention (DESIGN.md §3): Es/N0 = Eb/N0 + 10·log10(bits per symbol). With --ofdm,
Es/N0 is per data subcarrier; cyclic prefix and pilot overhead are not charged.
Each Eb/N0 point runs until --bits bits or --target-errors errors, from the seed
(--seed, point index), so results are reproducible and CSI variants share every
random draw. --out DIR writes ber.csv and ber.png (theory curve overlaid).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			vals, err := parseDBList(ebn0)
			if err != nil {
				return usageError{err}
			}
			cfg.EbN0 = vals
			res, err := runBER(cmd.Context(), cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if out != "" {
				if res.Files, err = writeBEROutputs(res, out); err != nil {
					return err
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			printBER(cmd.OutOrStdout(), res)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&cfg.Mod, "mod", "qpsk", "modulation: bpsk, pi2bpsk, qpsk, 16qam, 64qam, 256qam or custom")
	f.StringVar(&cfg.Constellation, "constellation", "", "custom constellation file: \"re im\" lines in bit-label order (with --mod custom)")
	f.StringVar(&cfg.Channel, "channel", "awgn", "channel: awgn, rayleigh, rician, tdl-a, tdl-b or tdl-c (TDL needs --ofdm)")
	f.Float64Var(&cfg.K, "k", 10, "Rician K-factor (linear)")
	f.Float64Var(&cfg.Doppler, "doppler", 0, "normalised Doppler fD·Ts (0: block fading)")
	f.IntVar(&cfg.Block, "block", 1, "samples per fading block for rayleigh/rician without Doppler")
	f.Float64Var(&cfg.DelaySpread, "delay-spread", 100e-9, "TDL delay spread in seconds")
	f.Float64Var(&cfg.SampleRate, "sample-rate", 30.72e6, "TDL sample rate in Hz")
	f.StringVar(&ebn0, "ebn0", "0:2:12", "Eb/N0 points in dB: start:step:stop or a,b,c")
	f.Int64Var(&cfg.Bits, "bits", 1_000_000, "maximum bits per point")
	f.Int64Var(&cfg.TargetErrors, "target-errors", 0, "stop a point after this many bit errors (0: run --bits)")
	f.Uint64Var(&cfg.Seed, "seed", 1, "run seed")
	f.BoolVar(&cfg.OFDM, "ofdm", false, "send through the OFDM modem")
	f.IntVar(&cfg.FFT, "fft", 1024, "OFDM FFT size (1024 at the default 30.72 MHz: NR's 30 kHz numerology)")
	f.IntVar(&cfg.CP, "cp", 0, "OFDM cyclic prefix (0: FFT/8)")
	f.IntVar(&cfg.PilotSpacing, "pilot-spacing", 4, "OFDM comb pilot spacing")
	f.IntVar(&cfg.Smoothing, "pilot-smoothing", 1, "OFDM: moving average of the pilot estimates over this many pilots (odd)")
	f.StringVar(&cfg.Interpolation, "interpolation", "linear", "OFDM channel interpolation: linear or lmmse")
	f.IntVar(&cfg.LMMSEDelay, "lmmse-delay", 0, "OFDM LMMSE: assumed delay span in samples (0: the cyclic prefix)")
	f.IntVar(&cfg.Symbols, "ofdm-symbols", 14, "OFDM symbols per frame (one block-fading realisation, pilots averaged over it)")
	f.StringVar(&cfg.CSI, "csi", "estimated", "OFDM channel knowledge: estimated, perfect or both")
	f.StringVar(&cfg.Equalizer, "equalizer", "zf", "OFDM equaliser: zf or mmse")
	f.StringVar(&out, "out", "", "directory for ber.csv and ber.png")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

// runBER validates cfg and runs the sweep, points in parallel.
func runBER(ctx context.Context, cfg berConfig, progress io.Writer) (*berResult, error) {
	con, err := loadConstellation(cfg.Mod, cfg.Constellation)
	if err != nil {
		return nil, err
	}
	switch cfg.Channel {
	case "awgn", "rayleigh", "rician":
	case "tdl-a", "tdl-b", "tdl-c":
		if !cfg.OFDM {
			return nil, usageError{fmt.Errorf("--channel %s is frequency selective: add --ofdm", cfg.Channel)}
		}
	default:
		return nil, usageError{fmt.Errorf("unknown --channel %q (want awgn, rayleigh, rician, tdl-a, tdl-b or tdl-c)", cfg.Channel)}
	}
	if cfg.Bits < 1 || cfg.Bits > 1e12 || cfg.TargetErrors < 0 || len(cfg.EbN0) == 0 || len(cfg.EbN0) > 1000 {
		return nil, usageError{errors.New("--bits must be in [1, 1e12], --target-errors ≥ 0, 1–1000 --ebn0 points")}
	}
	if cfg.Block < 1 || cfg.Symbols < 1 || cfg.Symbols > 1000 {
		return nil, usageError{errors.New("--block and --ofdm-symbols must be positive (--ofdm-symbols ≤ 1000)")}
	}
	csis := []string{""}
	if cfg.OFDM {
		switch cfg.CSI {
		case "estimated", "perfect":
			csis = []string{cfg.CSI}
		case "both":
			csis = []string{"estimated", "perfect"}
		default:
			return nil, usageError{fmt.Errorf("unknown --csi %q (want estimated, perfect or both)", cfg.CSI)}
		}
		if cfg.Doppler > 0 && cfg.CSI != "estimated" {
			return nil, usageError{errors.New("perfect CSI is available for block fading only (--doppler 0)")}
		}
		if cfg.Equalizer == "" {
			cfg.Equalizer = "zf"
		}
		if cfg.Interpolation == "" {
			cfg.Interpolation = "linear"
		}
		var eq ofdm.Equalizer
		if err := eq.UnmarshalText([]byte(cfg.Equalizer)); err != nil {
			return nil, usageError{err}
		}
		var ip ofdm.Interpolation
		if err := ip.UnmarshalText([]byte(cfg.Interpolation)); err != nil {
			return nil, usageError{err}
		}
	} else {
		cfg.FFT, cfg.CP, cfg.PilotSpacing, cfg.Smoothing, cfg.Symbols, cfg.CSI, cfg.Equalizer, cfg.Interpolation, cfg.LMMSEDelay = 0, 0, 0, 0, 0, "", "", "", 0
	}
	if !strings.HasPrefix(cfg.Channel, "tdl") {
		cfg.DelaySpread, cfg.SampleRate = 0, 0
	}
	if cfg.Channel != "rician" {
		cfg.K = 0
	}
	// Build every model once so configuration errors surface before the run.
	if _, err := newBERLink(cfg, con, 0, 0); err != nil {
		return nil, usageError{err}
	}
	name, rayleigh, hasTheory := theoryName(cfg, con.Scheme())
	res := &berResult{Config: cfg, Theory: name,
		Convention: "Es/N0 per complex symbol (per data subcarrier with --ofdm), Es/N0 = Eb/N0 + 10·log10(bits/symbol), unit signal power"}
	type job struct{ i, c int }
	jobs := make(chan job)
	res.Points = make([]berPoint, len(cfg.EbN0)*len(csis))
	update, finish := newProgress(progress, "BER points")
	var mu sync.Mutex
	var done int64
	errs := make([]error, len(res.Points))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range jobs {
				k := j.i*len(csis) + j.c
				p, err := simulatePoint(ctx, cfg, con, j.i, csis[j.c])
				if err == nil && hasTheory {
					th, terr := qam.TheoryBER(con.Scheme(), units.DB(cfg.EbN0[j.i]).Linear(), rayleigh)
					if terr == nil {
						p.Theory = &th
					}
				}
				res.Points[k], errs[k] = p, err
				mu.Lock()
				done++
				update(done, int64(len(res.Points)))
				mu.Unlock()
			}
		})
	}
	for i := range cfg.EbN0 {
		for c := range csis {
			jobs <- job{i, c}
		}
	}
	close(jobs)
	wg.Wait()
	finish()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return res, nil
}

// berLink is one point's transmitter, channel and receiver.
type berLink struct {
	con     *qam.Constellation
	awgn    *channel.AWGN
	flat    *channel.Flat
	tdl     *channel.TDL
	grid    *ofdm.Grid
	mod     *ofdm.Modulator
	dem     *ofdm.Demodulator
	n0      float64 // noise variance per channel sample
	n0sym   float64 // noise variance per data symbol
	frame   int     // symbols per frame
	rng     *rand.Rand
	perfect bool
}

func newBERLink(cfg berConfig, con *qam.Constellation, point int, ebn0 float64) (*berLink, error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(point)))
	l := &berLink{con: con, rng: rng, awgn: channel.NewAWGN(rng), frame: 4096}
	m := con.BitsPerSymbol()
	l.n0sym = units.EbN0ToN0(units.DB(ebn0), m, 1)
	l.n0 = l.n0sym
	var err error
	if cfg.OFDM {
		var eq ofdm.Equalizer
		if err := eq.UnmarshalText([]byte(cfg.Equalizer)); err != nil {
			return nil, err
		}
		var ip ofdm.Interpolation
		if err := ip.UnmarshalText([]byte(cfg.Interpolation)); err != nil {
			return nil, err
		}
		ta := cfg.Symbols
		if cfg.Doppler > 0 {
			ta = 1
		}
		l.grid, err = ofdm.New(ofdm.Config{FFTSize: cfg.FFT, CPLen: cfg.CP, PilotSpacing: cfg.PilotSpacing, TimeAverage: ta, Smoothing: cfg.Smoothing, Interpolation: ip, LMMSEDelay: cfg.LMMSEDelay, Equalizer: eq})
		if err != nil {
			return nil, err
		}
		l.mod, l.dem = l.grid.Modulator(), l.grid.Demodulator()
		l.frame = cfg.Symbols * l.grid.DataCarriers()
		l.n0 = l.grid.TimeN0(l.n0sym)
		l.dem.N0 = l.n0
	}
	switch cfg.Channel {
	case "rayleigh", "rician":
		fc := channel.FlatConfig{Doppler: cfg.Doppler, BlockLen: cfg.Block}
		if cfg.Channel == "rician" {
			fc.K = cfg.K
		}
		if cfg.OFDM && cfg.Doppler == 0 {
			fc.BlockLen = cfg.Symbols * l.grid.SymbolLen() // one gain per frame
		}
		l.flat, err = channel.NewFlat(fc, rng)
	case "tdl-a", "tdl-b", "tdl-c":
		var p channel.Profile
		if err := p.UnmarshalText([]byte(cfg.Channel)); err != nil {
			return nil, err
		}
		l.tdl, err = channel.NewTDL(channel.TDLConfig{Profile: p, DelaySpread: cfg.DelaySpread, SampleRate: cfg.SampleRate, Doppler: cfg.Doppler}, rng)
		if err == nil && l.tdl.MaxDelay() > l.grid.Config().CPLen {
			err = fmt.Errorf("the channel's largest delay (%d samples) exceeds the cyclic prefix (%d): raise --cp or lower --delay-spread/--sample-rate", l.tdl.MaxDelay(), l.grid.Config().CPLen)
		}
	}
	return l, err
}

// simulatePoint runs one Eb/N0 point.
func simulatePoint(ctx context.Context, cfg berConfig, con *qam.Constellation, point int, csi string) (berPoint, error) {
	ebn0 := cfg.EbN0[point]
	l, err := newBERLink(cfg, con, point, ebn0)
	if err != nil {
		return berPoint{}, err
	}
	l.perfect = csi == "perfect"
	m := con.BitsPerSymbol()
	p := berPoint{EbN0: ebn0, EsN0: float64(units.EbN0ToEsN0(units.DB(ebn0), m, 1)), CSI: csi}
	bits := make([]byte, l.frame*m)
	var s frameScratch
	for p.Bits < cfg.Bits && (cfg.TargetErrors == 0 || p.Errors < cfg.TargetErrors) {
		if err := ctx.Err(); err != nil {
			return p, err
		}
		for i := 0; i < len(bits); i += 64 {
			v := l.rng.Uint64()
			for j := i; j < min(i+64, len(bits)); j++ {
				bits[j] = byte(v & 1)
				v >>= 1
			}
		}
		hard, err := l.frameOnce(&s, bits)
		if err != nil {
			return p, err
		}
		for i, b := range bits {
			if hard[i] != b {
				p.Errors++
			}
		}
		p.Bits += int64(len(bits))
	}
	p.BER = float64(p.Errors) / float64(p.Bits)
	return p, nil
}

type frameScratch struct {
	syms, tx, rx, h []complex64
	hard            []byte
}

// frameOnce sends one frame of bits and returns the hard decisions.
func (l *berLink) frameOnce(s *frameScratch, bits []byte) ([]byte, error) {
	var err error
	if s.syms, err = l.con.Map(s.syms, bits); err != nil {
		return nil, err
	}
	if l.grid == nil {
		s.rx = append(s.rx[:0], s.syms...)
		if l.flat != nil {
			l.flat.Apply(s.rx, s.rx)
		}
		l.awgn.Apply(s.rx, s.rx, l.n0)
		if l.flat != nil {
			for i, h := range l.flat.Gains() {
				s.rx[i] /= h
			}
		}
		return l.con.Decide(s.hard, s.rx)
	}
	if s.tx, err = l.mod.Modulate(s.tx, s.syms); err != nil {
		return nil, err
	}
	n := l.grid.FFTSize()
	switch {
	case l.tdl != nil:
		if l.tdl.Config().Doppler == 0 {
			l.tdl.Redraw() // one realisation per frame
		}
		l.tdl.Apply(s.tx, s.tx)
		if l.perfect {
			s.h = l.tdl.FrequencyResponse(growC(s.h, n), n)
		}
	case l.flat != nil:
		l.flat.Apply(s.tx, s.tx)
		if l.perfect {
			s.h = growC(s.h, n)
			for i := range s.h {
				s.h[i] = l.flat.Gains()[0]
			}
		}
	}
	l.awgn.Apply(s.tx, s.tx, l.n0)
	if l.perfect && (l.tdl != nil || l.flat != nil) {
		l.dem.SetCSI(s.h)
	} else if l.perfect {
		l.dem.SetCSI(growOnes(s, n))
	}
	if s.rx, err = l.dem.Demodulate(s.rx, s.tx); err != nil {
		return nil, err
	}
	return l.con.Decide(s.hard, s.rx)
}

func growC(b []complex64, n int) []complex64 {
	if cap(b) < n {
		return make([]complex64, n)
	}
	return b[:n]
}

func growOnes(s *frameScratch, n int) []complex64 {
	s.h = growC(s.h, n)
	for i := range s.h {
		s.h[i] = 1
	}
	return s.h
}

func printBER(w io.Writer, res *berResult) {
	c := res.Config
	fmt.Fprintf(w, "%s over %s", c.Mod, c.Channel)
	if c.OFDM {
		fmt.Fprintf(w, " through OFDM (FFT %d, %d symbols/frame, %s)", c.FFT, c.Symbols, c.Equalizer)
	}
	fmt.Fprintf(w, "\ntheory: %s\n", res.Theory)
	fmt.Fprintf(w, "%9s %9s %-10s %12s %10s %12s %12s\n", "Eb/N0 dB", "Es/N0 dB", "csi", "bits", "errors", "BER", "theory")
	for _, p := range res.Points {
		th := "-"
		if p.Theory != nil {
			th = fmt.Sprintf("%.4g", *p.Theory)
		}
		fmt.Fprintf(w, "%9.2f %9.2f %-10s %12d %10d %12.4g %12s\n", p.EbN0, p.EsN0, p.CSI, p.Bits, p.Errors, p.BER, th)
	}
	for _, f := range res.Files {
		fmt.Fprintf(w, "wrote %s\n", f)
	}
}

// writeBEROutputs writes ber.csv and ber.png into dir.
func writeBEROutputs(res *berResult, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	csvName := filepath.Join(dir, "ber.csv")
	f, err := os.Create(csvName)
	if err != nil {
		return nil, err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"mod", "channel", "ofdm", "csi", "ebn0_db", "esn0_db", "bits", "errors", "ber", "theory_ber"})
	for _, p := range res.Points {
		th := ""
		if p.Theory != nil {
			th = strconv.FormatFloat(*p.Theory, 'g', 8, 64)
		}
		w.Write([]string{res.Config.Mod, res.Config.Channel, strconv.FormatBool(res.Config.OFDM), p.CSI,
			strconv.FormatFloat(p.EbN0, 'f', 3, 64), strconv.FormatFloat(p.EsN0, 'f', 3, 64),
			strconv.FormatInt(p.Bits, 10), strconv.FormatInt(p.Errors, 10),
			strconv.FormatFloat(p.BER, 'g', 8, 64), th})
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		return nil, err
	}
	png := filepath.Join(dir, "ber.png")
	if err := plotBER(res, png); err != nil {
		return []string{csvName}, err
	}
	return []string{csvName, png}, nil
}

func plotBER(res *berResult, file string) error {
	c := res.Config
	pl := plot.New()
	title := fmt.Sprintf("%s over %s", c.Mod, c.Channel)
	if c.OFDM {
		title += fmt.Sprintf(", OFDM %d", c.FFT)
	}
	pl.Title.Text = title
	pl.X.Label.Text = "Eb/N0 (dB)"
	pl.Y.Label.Text = "bit error rate"
	pl.Y.Scale = plot.LogScale{}
	pl.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	pl.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), math.Inf(-1)
	minBER := 1.0
	series := map[string]plotter.XYs{}
	var order []string
	for _, p := range res.Points {
		lo, hi = min(lo, p.EbN0), max(hi, p.EbN0)
		if p.BER > 0 {
			key := "simulated"
			if p.CSI != "" {
				key += " (" + p.CSI + " CSI)"
			}
			if _, ok := series[key]; !ok {
				order = append(order, key)
			}
			series[key] = append(series[key], plotter.XY{X: p.EbN0, Y: p.BER})
			minBER = min(minBER, p.BER)
		}
	}
	for i, key := range order {
		line, pts, err := plotter.NewLinePoints(series[key])
		if err != nil {
			return err
		}
		line.Color, pts.Color, pts.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		pl.Add(line, pts)
		pl.Legend.Add(key, line, pts)
	}
	// Theory over a fine grid, down to a decade below the lowest simulated BER.
	s, _ := qam.ParseScheme(c.Mod)
	_, rayleigh, ok := theoryName(c, s)
	addCurve := func(label string, ray bool, dashed bool) error {
		var xy plotter.XYs
		for x := lo; x <= hi+1e-9; x += (hi - lo + 1e-9) / 200 {
			th, err := qam.TheoryBER(s, units.DB(x).Linear(), ray)
			if err != nil || th < minBER/10 || th <= 0 {
				continue
			}
			xy = append(xy, plotter.XY{X: x, Y: th})
		}
		if len(xy) < 2 {
			return nil
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		l.Color = color.Black
		if dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		pl.Add(l)
		pl.Legend.Add(label, l)
		return nil
	}
	if ok {
		label := "theory (AWGN)"
		if rayleigh {
			label = "theory (Rayleigh, perfect CSI)"
		}
		if err := addCurve(label, rayleigh, false); err != nil {
			return err
		}
	} else if c.Channel == "rician" && s != qam.Custom {
		if err := addCurve("AWGN (K→∞ limit)", false, false); err != nil {
			return err
		}
		if err := addCurve("Rayleigh (K=0 limit)", true, true); err != nil {
			return err
		}
	}
	pl.Legend.Top = false
	pl.Legend.Left = true
	if err := pl.Save(7*vg.Inch, 5*vg.Inch, file); err != nil {
		return fmt.Errorf("plot %s: %w", file, err)
	}
	return nil
}

func newModemConstellationCmd() *cobra.Command {
	var (
		mod, file, out string
		snr            float64
		n              int
		seed           uint64
		asJSON         bool
	)
	c := &cobra.Command{
		Use:   "constellation",
		Short: "Plot a constellation (ideal points with bit labels, optionally noisy received symbols)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			con, err := loadConstellation(mod, file)
			if err != nil {
				return err
			}
			if out == "" {
				return usageError{errors.New("--out F.png is required")}
			}
			if n < 0 || n > 10_000_000 {
				return usageError{errors.New("--symbols must be in [0, 1e7]")}
			}
			noisy := cmd.Flags().Changed("snr")
			rng := rand.New(rand.NewPCG(seed, 0))
			var rx []complex64
			res := map[string]any{"mod": mod, "points": con.Size(), "file": out}
			if noisy {
				bits := make([]byte, n*con.BitsPerSymbol())
				for i := range bits {
					bits[i] = byte(rng.IntN(2))
				}
				tx, err := con.Map(nil, bits)
				if err != nil {
					return err
				}
				n0 := units.N0(units.DB(snr))
				if rx, err = channel.NewAWGN(rng).Apply(nil, tx, n0); err != nil {
					return usageError{err}
				}
				var e, p float64
				for i := range rx {
					d := rx[i] - tx[i]
					e += float64(real(d)*real(d) + imag(d)*imag(d))
					p += float64(real(tx[i])*real(tx[i]) + imag(tx[i])*imag(tx[i]))
				}
				res["esn0_db"] = snr
				res["evm_db"] = 10 * math.Log10(e/p)
				res["symbols"] = n
			}
			if err := plotConstellation(con, rx, mod, snr, noisy, out); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%s, %d points", out, mod, con.Size())
			if noisy {
				fmt.Fprintf(cmd.OutOrStdout(), ", %d symbols at Es/N0 %.1f dB, EVM %.1f dB", n, snr, res["evm_db"])
			}
			fmt.Fprintln(cmd.OutOrStdout(), ")")
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&mod, "mod", "16qam", "modulation: bpsk, pi2bpsk, qpsk, 16qam, 64qam, 256qam or custom")
	f.StringVar(&file, "constellation", "", "custom constellation file (with --mod custom)")
	f.Float64Var(&snr, "snr", 0, "add AWGN at this Es/N0 in dB and plot the received symbols")
	f.IntVar(&n, "symbols", 4000, "received symbols to plot with --snr")
	f.Uint64Var(&seed, "seed", 1, "seed")
	f.StringVar(&out, "out", "", "output PNG file")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func plotConstellation(con *qam.Constellation, rx []complex64, mod string, snr float64, noisy bool, file string) error {
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("%s constellation (%d points, unit energy)", mod, con.Size())
	if noisy {
		pl.Title.Text += fmt.Sprintf(", Es/N0 %.1f dB", snr)
	}
	pl.X.Label.Text, pl.Y.Label.Text = "in-phase", "quadrature"
	pl.Add(plotter.NewGrid())
	if len(rx) > 0 {
		xy := make(plotter.XYs, len(rx))
		for i, v := range rx {
			xy[i] = plotter.XY{X: float64(real(v)), Y: float64(imag(v))}
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return err
		}
		sc.Color = color.NRGBA{R: 30, G: 100, B: 200, A: 90}
		sc.Radius = vg.Points(1)
		pl.Add(sc)
	}
	pts := con.Points()
	xy := make(plotter.XYs, len(pts))
	var lim float64
	for i, v := range pts {
		xy[i] = plotter.XY{X: float64(real(v)), Y: float64(imag(v))}
		lim = max(lim, math.Abs(xy[i].X), math.Abs(xy[i].Y))
	}
	sc, err := plotter.NewScatter(xy)
	if err != nil {
		return err
	}
	sc.Color = color.NRGBA{R: 200, A: 255}
	sc.Radius = vg.Points(2.5)
	pl.Add(sc)
	if con.Size() <= 64 {
		labels := make([]string, len(pts))
		m := con.BitsPerSymbol()
		for i := range pts {
			labels[i] = fmt.Sprintf("%0*b", m, i)
		}
		lxy := make(plotter.XYs, len(xy))
		for i, p := range xy {
			lxy[i] = plotter.XY{X: p.X, Y: p.Y + 0.07*lim}
		}
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: lxy, Labels: labels})
		if err != nil {
			return err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = vg.Points(7)
			l.TextStyle[i].XAlign = -0.5
		}
		pl.Add(l)
	}
	lim *= 1.35
	pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = -lim, lim, -lim, lim
	if err := pl.Save(6*vg.Inch, 6*vg.Inch, file); err != nil {
		return fmt.Errorf("plot %s: %w", file, err)
	}
	return nil
}
