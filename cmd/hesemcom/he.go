package main

import (
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
)

func newHECmd(g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "he",
		Short: "CKKS engine: parameter sets and encrypted Table II inference benchmarks",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(newHEBenchCmd(g), newHEParamsCmd(g))
	return c
}

func newHEParamsCmd(_ *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "params",
		Short: "List the shipped CKKS parameter sets and their HE Standard security check",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			type row struct {
				Name     string  `json:"name"`
				LogN     int     `json:"log_n"`
				Slots    int     `json:"slots"`
				LogQP    float64 `json:"log_qp"`
				Bound    int     `json:"he_standard_bound"`
				Secure   bool    `json:"secure_128"`
				Describe string  `json:"description"`
			}
			var rows []row
			names := make([]string, 0, len(he.Presets))
			for n := range he.Presets {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				p, err := he.NewParams(he.Presets[n])
				if err != nil {
					return err
				}
				b, _ := he.MaxLogQP128(p.LogN())
				rows = append(rows, row{n, p.LogN(), p.Slots(), p.LogQP(), b, !p.Insecure(), p.String()})
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"presets": rows})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "name\tlogN\tslots\tlog QP\tbound\t128-bit")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%d\t%v\n", r.Name, r.LogN, r.Slots, r.LogQP, r.Bound, r.Secure)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func newHEBenchCmd(_ *globalFlags) *cobra.Command {
	var (
		asJSON    bool
		preset    string
		mode      string
		cfg       he.BenchConfig
		fitImages int
		snr       float64
		noNoise   bool
	)
	c := &cobra.Command{
		Use:   "bench",
		Short: "Time encrypted Table II inference (batch-major and slot-packed) against the primitive lower bound",
		Long: `bench fits Table II weights on the embedded MNIST test images (a small seeded
reference fit, until trained model files are available), then measures in one run:
the CKKS primitive costs, the amortised batch-major end-to-end inference per image
(encode + encrypt + encoder + slot channel + FC + decrypt) on all workers, the
slot-packed single-image latency, each beside its lower bound (operation counts x
primitive costs) and the ratio, the ciphertext sizes on the air and the key
rotation cost. Run it on a quiet machine: the numbers are wall-clock.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lit, ok := he.Presets[preset]
			if !ok {
				return usageError{fmt.Errorf("unknown preset %q", preset)}
			}
			cfg.Params = lit
			if err := cfg.Mode.UnmarshalText([]byte(mode)); err != nil {
				return usageError{err}
			}
			if fitImages < 100 || fitImages > 10000 {
				return usageError{fmt.Errorf("--fit-images %d out of range [100, 10000]", fitImages)}
			}
			if !noNoise {
				cfg.N0 = units.N0(units.DB(snr))
			}
			ds, err := source.LoadTest(source.MNIST)
			if err != nil {
				return err
			}
			tr := ds.Slice(0, fitImages)
			w, err := he.FitTableII(tr.Pixels, tr.Labels, he.FitConfig{Seed: cfg.Seed})
			if err != nil {
				return err
			}
			n := min(ds.Len(), 256)
			imgs := make([]float64, n*he.Pixels)
			for i, v := range ds.Pixels[:n*he.Pixels] {
				imgs[i] = float64(v) / 255
			}
			rep, err := he.Measure(cmd.Context(), w, imgs, cfg)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			return printHEBench(cmd, rep)
		},
	}
	f := c.Flags()
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.StringVar(&preset, "preset", "logn13", "parameter set (see 'hesemcom he params')")
	f.StringVar(&mode, "mode", "public-key", "encryption mode: public-key or shared-key")
	f.IntVar(&cfg.Workers, "workers", 0, "worker goroutines for batch-major (0: GOMAXPROCS)")
	f.IntVar(&cfg.Batches, "batches", 1, "full batches timed after one warm-up batch")
	f.IntVar(&cfg.SlotImages, "slot-images", 4, "images timed in slot-packed mode (negative: skip)")
	f.IntVar(&cfg.Reps, "reps", 20, "repetitions per primitive timing")
	f.IntVar(&fitImages, "fit-images", 3000, "embedded MNIST test images the reference weights are fitted on")
	f.Float64Var(&snr, "snr", 10, "slot-channel Es/N0 in dB during the run")
	f.BoolVar(&noNoise, "no-noise", false, "run without channel noise")
	f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the weight fit and the channel noise")
	return c
}

func printHEBench(cmd *cobra.Command, r *he.BenchReport) error {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s, %d workers, %s encryption\n\n", r.Params, r.Workers, r.Mode)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tms/image\tbound ms/image\tratio\ttarget ms\tmeets target\t")
	line := func(name string, m *he.ModeReport) {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.2f\t%.1f\t%v\t\n", name, m.MsPerImage, m.BoundMs, m.Ratio, m.Target, m.MsPerImage <= m.Target)
	}
	line("batch-major", &r.Batch)
	if r.Slot != nil {
		line("slot-packed", r.Slot)
	}
	tw.Flush()
	fmt.Fprint(out, "\nbatch-major phases, mean per full batch (ms):")
	keys := make([]string, 0, len(r.Batch.PhasesMs))
	for k := range r.Batch.PhasesMs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(out, " %s %.1f", k, r.Batch.PhasesMs[k])
	}
	fmt.Fprintf(out, "\narg-max agreement with the plaintext model: %.4f\n\n", r.ArgMaxAgreement)
	p := r.Primitives
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "primitive (1 core)\tµs\t")
	for _, e := range []struct {
		n string
		v float64
	}{
		{"encode", p.Encode}, {"encrypt (pk)", p.EncryptPK}, {"encrypt (sk)", p.EncryptSK},
		{"mul-add (lazy, deg 1)", p.MulAdd}, {"mul-add (lazy, deg 2)", p.MulAdd2}, {"square-acc", p.Square},
		{"reduce", p.Reduce}, {"noise lift", p.Lift}, {"ct x pt", p.MulPt}, {"ct + ct", p.Add},
		{"ct x ct + relin", p.MulRelin}, {"relinearise", p.Relinearize}, {"rescale", p.Rescale},
		{"rotate", p.Rotate}, {"rotate (hoisted, each)", p.RotateHoisted}, {"decrypt", p.Decrypt}, {"decode", p.Decode},
	} {
		fmt.Fprintf(tw, "%s\t%.1f\t\n", e.n, e.v/1e3)
	}
	tw.Flush()
	s := r.Sizes
	fmt.Fprintf(out, "\nsizes: %.0f B/image of encrypted features (batch-major) vs %d B plaintext (x%.1f), %.0f B per channel use;\n",
		s.FeatureBytesPerImage, s.PlainFeatureBytes, s.Expansion, s.FeatureBytesPerChannelUse)
	fmt.Fprintf(out, "       slot-packed %d B/image; public bundle %d B (slot-packed bundle %d B)\n", s.SlotFeatureBytes, s.PublicBundleBytes, s.SlotPackedBundleBytes)
	fmt.Fprintf(out, "key rotation: %.1f ms per key set (%.1f ms with rotation keys)\n", s.KeyGenMs, s.KeyGenSlotPackedMs)
	return nil
}
