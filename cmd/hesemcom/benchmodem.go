package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/modem/ofdm"
	"github.com/hesemcom/hesemcom/modem/pulse"
	"github.com/hesemcom/hesemcom/modem/qam"
	"github.com/hesemcom/hesemcom/phy/channel"
	"github.com/hesemcom/hesemcom/pipeline"
	"github.com/hesemcom/hesemcom/pipeline/pipebench"
)

// Targets and references of issue 3.
const (
	awgnChainTarget   = 40e6 // samples/s, source → QPSK → AWGN → N × multiply → sink
	awgnChainGNURadio = 16e6 // GNU Radio 3.10 on this kind of 2-core machine, AWGN-bound (issue 3)
	ofdmChainTarget   = 10e6 // complex samples/s on one core
)

type benchEntry struct {
	Name   string  `json:"name"`
	Unit   string  `json:"unit"`
	Rate   float64 `json:"rate"`
	Allocs float64 `json:"allocs_per_frame"`
	Target float64 `json:"target,omitempty"`
	Ref    float64 `json:"gnuradio,omitempty"`
	Cores  int     `json:"cores,omitempty"`
	Note   string  `json:"note,omitempty"`
}

type modemBenchResult struct {
	Cores   int          `json:"cores"`
	Kernels []benchEntry `json:"kernels"`
	Chains  []benchEntry `json:"chains"`
}

func newBenchModemCmd() *cobra.Command {
	var (
		dur     time.Duration
		samples int64
		asJSON  bool
	)
	c := &cobra.Command{
		Use:   "modem",
		Short: "Throughput of the modem and channel kernels and of the issue-3 chains",
		Long: `Measures samples/s (or symbols/s) of every modem and channel kernel on 4096-item
frames, with allocations per frame in steady state, then two chains:

  source → QPSK → AWGN → N × multiply-by-constant → sink (N = 1, 4, 16) through the
  pipeline on all cores: target 40 M samples/s (GNU Radio 3.10: about 16 M, AWGN-bound);
  bits → QPSK → OFDM (1024, CP 128) → TDL-A (100 ns, 30.72 MHz) + AWGN → OFDM demod →
  LLR on one core, as one fused loop and through the pipeline with GOMAXPROCS=1:
  target 10 M complex samples/s.

Run it on a quiet machine (flock /tmp/hesemcom-cpu.lock nice -n 10 …).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dur <= 0 || samples < 1 {
				return usageError{fmt.Errorf("--time and --samples must be positive")}
			}
			res, err := runModemBench(cmd.Context(), dur, samples)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			printModemBench(cmd.OutOrStdout(), res)
			return nil
		},
	}
	c.Flags().DurationVar(&dur, "time", 400*time.Millisecond, "measuring time per kernel")
	c.Flags().Int64Var(&samples, "samples", 20_000_000, "samples streamed per chain run")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

// measure runs fn (one frame of per items) for about d and returns items/s
// and the allocations of one call in steady state.
func measure(d time.Duration, per int, fn func()) (rate, allocs float64) {
	fn()
	allocs = testing.AllocsPerRun(5, fn)
	n := 0
	t0 := time.Now()
	for time.Since(t0) < d {
		fn()
		n++
	}
	return float64(n*per) / time.Since(t0).Seconds(), allocs
}

const benchFrame = 4096

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(2))
	}
	return b
}

func kernelBenchmarks(d time.Duration) []benchEntry {
	r := rand.New(rand.NewPCG(1, 1))
	var out []benchEntry
	add := func(name, unit string, per int, fn func()) {
		rate, allocs := measure(d, per, fn)
		out = append(out, benchEntry{Name: name, Unit: unit, Rate: rate, Allocs: allocs})
	}
	for _, s := range []qam.Scheme{qam.QPSK, qam.QAM16, qam.QAM64, qam.QAM256} {
		con := qam.MustNew(s)
		bits := randomBytes(r, benchFrame*con.BitsPerSymbol())
		syms, _ := con.Map(nil, bits)
		rx, _ := channel.NewAWGN(r).Apply(nil, syms, 0.05)
		llr := make([]float32, 0, len(bits))
		hard := make([]byte, 0, len(bits))
		add("qam map "+s.String(), "symbols/s", benchFrame, func() { syms, _ = con.Map(syms, bits) })
		add("qam demap max-log "+s.String(), "symbols/s", benchFrame, func() { llr, _ = con.LLR(llr, rx, 0.05, qam.MaxLog) })
		add("qam demap exact "+s.String(), "symbols/s", benchFrame, func() { llr, _ = con.LLR(llr, rx, 0.05, qam.Exact) })
		add("qam hard "+s.String(), "symbols/s", benchFrame, func() { hard, _ = con.Decide(hard, rx) })
	}
	g, _ := ofdm.New(ofdm.Config{FFTSize: 1024, CPLen: 128})
	mod, dem := g.Modulator(), g.Demodulator()
	dem.N0 = 0.01
	x, _ := qam.MustNew(qam.QPSK).Map(nil, randomBytes(r, 4*2*g.DataCarriers()))
	tx, _ := mod.Modulate(nil, x)
	var rx []complex64
	var nv []float32
	add("ofdm modulate 1024", "samples/s", len(tx), func() { tx, _ = mod.Modulate(tx, x) })
	add("ofdm demodulate 1024 (LS, ZF, noise var)", "samples/s", len(tx), func() { rx, nv, _ = dem.DemodulateCSI(rx, nv, tx) })
	fft, _ := ofdm.NewFFT(1024)
	buf := make([]complex64, 1024)
	add("fft 1024 (complex64 in-house)", "samples/s", 1024, func() { fft.Transform(buf, buf) })
	frame := make([]complex64, benchFrame)
	for i := range frame {
		frame[i] = 0.7 + 0.7i
	}
	kern := func(name string, k func(dst, src []complex64) ([]complex64, error)) {
		add(name, "samples/s", benchFrame, func() { k(frame, frame) })
	}
	kern("channel awgn", channel.NewAWGN(r).Stage(0.1))
	cfo, _ := channel.NewCFO(1e-3, 0)
	kern("channel cfo", cfo.Apply)
	for _, fc := range []struct {
		name string
		cfg  channel.FlatConfig
	}{{"rayleigh i.i.d.", channel.FlatConfig{}}, {"rician K=10 block 1024", channel.FlatConfig{K: 10, BlockLen: 1024}}, {"rayleigh doppler 1e-3", channel.FlatConfig{Doppler: 1e-3}}} {
		f, _ := channel.NewFlat(fc.cfg, r)
		kern("channel "+fc.name, f.Apply)
	}
	for _, p := range []channel.Profile{channel.TDLA, channel.TDLB, channel.TDLC} {
		t, _ := channel.NewTDL(channel.TDLConfig{Profile: p, SampleRate: 30.72e6}, r)
		kern(fmt.Sprintf("channel %v 100 ns @30.72 MHz (%d taps)", p, len(t.Delays())), t.Apply)
	}
	td, _ := channel.NewTDL(channel.TDLConfig{Profile: channel.TDLA, SampleRate: 30.72e6, Doppler: 1e-4}, r)
	kern("channel tdl-a doppler 1e-4", td.Apply)
	sh, _ := pulse.NewRRCShaper(pulse.Config{Rolloff: 0.35})
	mf, _ := pulse.NewRRCMatchedFilter(pulse.Config{Rolloff: 0.35})
	sym := frame[:benchFrame/4]
	var wave, back []complex64
	add("pulse rrc shaper sps=4 span=12", "samples/s", benchFrame, func() { wave, _ = sh.Shape(wave, sym) })
	add("pulse rrc matched filter sps=4", "samples/s", benchFrame, func() { back, _ = mf.Filter(back, wave) })
	return out
}

// repeatingBits is the bit source of the chains: a random vector replayed
// (GNU Radio's vector_source in the reference flowgraphs).
func repeatingBits() []byte { return randomBytes(rand.New(rand.NewPCG(7, 7)), 1<<15) }

func fillBits(dst, vec []byte, off int64) {
	p := int(off % int64(len(vec)))
	for n := 0; n < len(dst); p = 0 {
		n += copy(dst[n:], vec[p:])
	}
}

// awgnChain runs bits → QPSK → AWGN → blocks × multiply(1) → sink through the
// pipeline and returns complex samples/s.
func awgnChain(ctx context.Context, blocks int, samples int64) (float64, []pipeline.BlockStats, error) {
	const frame = 8192
	vec := repeatingBits()
	g := pipeline.New()
	bitPool := pipeline.NewPool[byte](2 * frame)
	src := pipeline.Source(g, "bits", func(ctx context.Context, emit pipeline.Emit[byte]) error {
		var seq uint64
		for off := int64(0); off < samples; seq++ {
			n := int(min(frame, samples-off))
			f := bitPool.Get()
			f.Seq, f.Offset = seq, off
			f.Items = f.Items[:2*n]
			fillBits(f.Items, vec, 2*off)
			if err := emit(f); err != nil {
				return err
			}
			off += int64(n)
		}
		return nil
	})
	con := qam.MustNew(qam.QPSK)
	s := pipeline.Map(g, "qpsk", src, pipeline.NewPool[complex64](frame), con.Map)
	s = pipeline.MapInPlace(g, "awgn", s, channel.NewAWGN(rand.New(rand.NewPCG(1, 2))).Stage(0.1))
	k := pipebench.Scaler{C: 1}
	for i := range blocks {
		s = pipeline.MapInPlace(g, fmt.Sprintf("multiply%d", i+1), s, k.Kernel)
	}
	var sum complex64
	pipeline.Sink(g, "sink", s, func(f *pipeline.Frame[complex64]) error {
		sum += f.Items[0]
		return nil
	})
	t0 := time.Now()
	if err := g.Run(ctx); err != nil {
		return 0, nil, err
	}
	return float64(samples) / time.Since(t0).Seconds(), g.Stats(), nil
}

// ofdmChainParts builds the OFDM chain: QPSK, OFDM 1024/CP 128 at
// 30.72 MHz, TDL-A 100 ns redrawn every 16 OFDM symbols (4 frames, so
// the pilot averaging over a frame never mixes two realisations), AWGN at Es/N0 20 dB,
// OFDM demodulation (LS, ZF) and max-log LLRs with per-symbol noise.
type ofdmChainParts struct {
	con  *qam.Constellation
	grid *ofdm.Grid
	mod  *ofdm.Modulator
	dem  *ofdm.Demodulator
	tdl  *channel.TDL
	awgn *channel.AWGN
	n0   float64
	// scratch of the fused loop and of the demod→LLR kernel
	syms, tx, rx []complex64
	nv           []float32
}

const ofdmChainSymbols = 4 // OFDM symbols per frame

func newOFDMChainParts() (*ofdmChainParts, error) {
	p := &ofdmChainParts{con: qam.MustNew(qam.QPSK)}
	var err error
	if p.grid, err = ofdm.New(ofdm.Config{FFTSize: 1024, CPLen: 128, TimeAverage: ofdmChainSymbols}); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(3, 3))
	p.mod, p.dem = p.grid.Modulator(), p.grid.Demodulator()
	if p.tdl, err = channel.NewTDL(channel.TDLConfig{Profile: channel.TDLA, SampleRate: 30.72e6, BlockLen: 4 * ofdmChainSymbols * p.grid.SymbolLen()}, rng); err != nil {
		return nil, err
	}
	p.awgn = channel.NewAWGN(rng)
	p.n0 = p.grid.TimeN0(0.01) // Es/N0 20 dB per subcarrier
	p.dem.N0 = p.n0
	return p, nil
}

// bitsPerFrame is the number of bits one chain frame carries.
func (p *ofdmChainParts) bitsPerFrame() int {
	return ofdmChainSymbols * p.grid.DataCarriers() * p.con.BitsPerSymbol()
}

// demodLLR is the receiver kernel: OFDM demodulation, then LLRs with the
// per-symbol noise variance after equalisation.
func (p *ofdmChainParts) demodLLR(dst []float32, src []complex64) ([]float32, error) {
	var err error
	if p.rx, p.nv, err = p.dem.DemodulateCSI(p.rx, p.nv, src); err != nil {
		return dst[:0], err
	}
	return p.con.LLRPerSymbol(dst, p.rx, p.nv, qam.MaxLog)
}

// ofdmChainFused runs the chain as one loop on one goroutine and returns
// complex samples/s (channel samples).
func ofdmChainFused(frames int) (float64, error) {
	p, err := newOFDMChainParts()
	if err != nil {
		return 0, err
	}
	vec := repeatingBits()
	bits := make([]byte, p.bitsPerFrame())
	var llr []float32
	step := func(i int) error {
		fillBits(bits, vec, int64(i*len(bits)))
		if p.syms, err = p.con.Map(p.syms, bits); err != nil {
			return err
		}
		if p.tx, err = p.mod.Modulate(p.tx, p.syms); err != nil {
			return err
		}
		p.tdl.Apply(p.tx, p.tx)
		p.awgn.Apply(p.tx, p.tx, p.n0)
		llr, err = p.demodLLR(llr, p.tx)
		return err
	}
	if err := step(0); err != nil {
		return 0, err
	}
	t0 := time.Now()
	for i := range frames {
		if err := step(i); err != nil {
			return 0, err
		}
	}
	return float64(frames*len(p.tx)) / time.Since(t0).Seconds(), nil
}

// ofdmChainPipeline runs the chain through the pipeline, one block per
// stage, with GOMAXPROCS set to procs for the run.
func ofdmChainPipeline(ctx context.Context, frames, procs int) (float64, []pipeline.BlockStats, error) {
	p, err := newOFDMChainParts()
	if err != nil {
		return 0, nil, err
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	vec := repeatingBits()
	nb := p.bitsPerFrame()
	g := pipeline.New()
	bitPool := pipeline.NewPool[byte](nb)
	src := pipeline.Source(g, "bits", func(ctx context.Context, emit pipeline.Emit[byte]) error {
		for i := range frames {
			f := bitPool.Get()
			f.Seq = uint64(i)
			f.Items = f.Items[:nb]
			fillBits(f.Items, vec, int64(i*nb))
			if err := emit(f); err != nil {
				return err
			}
		}
		return nil
	})
	syms := pipeline.Map(g, "qpsk", src, pipeline.NewPool[complex64](nb/2), p.con.Map)
	tx := pipeline.Map(g, "ofdm-mod", syms, pipeline.NewPool[complex64](ofdmChainSymbols*p.grid.SymbolLen()), p.mod.Modulate)
	tx = pipeline.MapInPlace(g, "tdl-a", tx, p.tdl.Apply)
	tx = pipeline.MapInPlace(g, "awgn", tx, p.awgn.Stage(p.n0))
	llr := pipeline.Map(g, "ofdm-demod+llr", tx, pipeline.NewPool[float32](nb), p.demodLLR)
	var sum float32
	pipeline.Sink(g, "sink", llr, func(f *pipeline.Frame[float32]) error {
		sum += f.Items[0]
		return nil
	})
	t0 := time.Now()
	if err := g.Run(ctx); err != nil {
		return 0, nil, err
	}
	return float64(frames*ofdmChainSymbols*p.grid.SymbolLen()) / time.Since(t0).Seconds(), g.Stats(), nil
}

func runModemBench(ctx context.Context, d time.Duration, samples int64) (*modemBenchResult, error) {
	res := &modemBenchResult{Cores: runtime.GOMAXPROCS(0), Kernels: kernelBenchmarks(d)}
	for _, n := range []int{1, 4, 16} {
		rate, _, err := awgnChain(ctx, n, samples)
		if err != nil {
			return nil, err
		}
		res.Chains = append(res.Chains, benchEntry{
			Name: fmt.Sprintf("bits → qpsk → awgn → %d × multiply → sink (pipeline)", n),
			Unit: "samples/s", Rate: rate, Target: awgnChainTarget, Ref: awgnChainGNURadio, Cores: res.Cores,
		})
	}
	p, err := newOFDMChainParts()
	if err != nil {
		return nil, err
	}
	frames := max(1, int(samples/int64(ofdmChainSymbols*p.grid.SymbolLen())/2))
	rate, err := ofdmChainFused(frames)
	if err != nil {
		return nil, err
	}
	res.Chains = append(res.Chains, benchEntry{
		Name: "bits → qpsk → ofdm 1024 → tdl-a + awgn → ofdm demod → llr (fused loop)",
		Unit: "samples/s", Rate: rate, Target: ofdmChainTarget, Cores: 1,
	})
	rate, _, err = ofdmChainPipeline(ctx, frames, 1)
	if err != nil {
		return nil, err
	}
	res.Chains = append(res.Chains, benchEntry{
		Name: "bits → qpsk → ofdm 1024 → tdl-a + awgn → ofdm demod → llr (pipeline, GOMAXPROCS=1)",
		Unit: "samples/s", Rate: rate, Target: ofdmChainTarget, Cores: 1,
	})
	if res.Cores > 1 {
		rate, _, err = ofdmChainPipeline(ctx, frames, res.Cores)
		if err != nil {
			return nil, err
		}
		res.Chains = append(res.Chains, benchEntry{
			Name: fmt.Sprintf("bits → qpsk → ofdm 1024 → tdl-a + awgn → ofdm demod → llr (pipeline, GOMAXPROCS=%d)", res.Cores),
			Unit: "samples/s", Rate: rate, Cores: res.Cores,
		})
	}
	return res, nil
}

func printModemBench(w io.Writer, res *modemBenchResult) {
	fmt.Fprintf(w, "kernels (frames of %d items, one goroutine)\n", benchFrame)
	for _, e := range res.Kernels {
		fmt.Fprintf(w, "  %-52s %9.1f M%-10s %g allocs/frame\n", e.Name, e.Rate/1e6, e.Unit, e.Allocs)
	}
	fmt.Fprintf(w, "chains (%d cores available)\n", res.Cores)
	for _, e := range res.Chains {
		line := fmt.Sprintf("  %-86s %7.1f M%s", e.Name, e.Rate/1e6, e.Unit)
		if e.Target > 0 {
			verdict := "meets"
			if e.Rate < e.Target {
				verdict = "MISSES"
			}
			line += fmt.Sprintf("  (%s target %.0f M", verdict, e.Target/1e6)
			if e.Ref > 0 {
				line += fmt.Sprintf("; %.1f× GNU Radio's %.0f M", e.Rate/e.Ref, e.Ref/1e6)
			}
			line += ")"
		}
		fmt.Fprintln(w, line)
	}
}
