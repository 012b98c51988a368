package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/sim"
	"github.com/hesemcom/hesemcom/sim/link"
)

func parseFloatList(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		// "0:25:5" ranges as well as lists.
		if parts := strings.Split(f, ":"); len(parts) == 3 {
			lo, e1 := strconv.ParseFloat(parts[0], 64)
			hi, e2 := strconv.ParseFloat(parts[1], 64)
			st, e3 := strconv.ParseFloat(parts[2], 64)
			if e1 != nil || e2 != nil || e3 != nil || st <= 0 || hi < lo || (hi-lo)/st > 1000 {
				return nil, fmt.Errorf("bad range %q (want lo:hi:step)", f)
			}
			for i := 0; lo+float64(i)*st <= hi+1e-9; i++ {
				out = append(out, lo+float64(i)*st)
			}
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list %q", s)
	}
	return out, nil
}

// writeOutputs writes result.json, results.csv, table.md and the plots into
// dir and returns the file names.
func writeOutputs(dir string, r *sim.Result, plots bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for name, write := range map[string]func(f *os.File) error{
		"result.json": func(f *os.File) error { return r.WriteJSON(f) },
		"results.csv": func(f *os.File) error { return r.WriteCSV(f) },
		"table.md":    func(f *os.File) error { return r.WriteMarkdown(f) },
	} {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			return files, err
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return files, err
		}
		files = append(files, p)
	}
	if plots {
		ps, err := r.WritePlots(dir)
		files = append(files, ps...)
		if err != nil {
			return files, err
		}
	}
	return files, nil
}

func newSweepCmd(g *globalFlags) *cobra.Command {
	sc := link.DefaultScenario()
	var (
		config, snrs, shard, out string
		asJSON                   bool
	)
	c := &cobra.Command{
		Use:   "sweep",
		Short: "Monte Carlo accuracy sweep over datasets × models × channels × SNRs",
		Long: `Runs the link of each model on the embedded test sets for every grid point, with
deterministic per-item seeds, on all cores. --shard i/n (or a Slurm job array /
Kubernetes Indexed Job) runs one slice and writes a partial result; 'hesemcom merge'
combines partial results exactly. A YAML or JSON scenario file (--config) gives the
same fields as the flags (datasets, models, snrs_db, channels, transport, level,
images, realisations, seed, weights, rotate_keys, eve, and the transports' bits,
degree2, qm, rate, frame_bytes, loss, harq, analog_bits, analog_power_db, perfect_csi);
flags given explicitly override it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if config != "" {
				b, err := os.ReadFile(config)
				if err != nil {
					return usageError{err}
				}
				file := link.DefaultScenario()
				if err := yaml.UnmarshalStrict(b, &file); err != nil {
					return usageError{fmt.Errorf("%s: %w", config, err)}
				}
				// Explicit flags win over the file.
				fl := cmd.Flags()
				merge := func(flag string, set func()) {
					if !fl.Changed(flag) {
						set()
					}
				}
				merge("dataset", func() { sc.Datasets = file.Datasets })
				merge("model", func() { sc.Models = file.Models })
				merge("snr", func() { sc.SNRs = file.SNRs; snrs = "" })
				merge("channel", func() { sc.Channels = file.Channels })
				merge("transport", func() { sc.Transport = file.Transport })
				merge("level", func() { sc.Level = file.Level })
				merge("images", func() { sc.Images = file.Images })
				merge("realisations", func() { sc.Realisations = file.Realisations })
				merge("seed", func() { sc.Seed = file.Seed })
				merge("weights", func() { sc.Weights = file.Weights })
				merge("rotate-keys", func() { sc.RotateKeys = file.RotateKeys })
				merge("eve", func() { sc.Eve = file.Eve })
				o, fo := &sc.TransportOptions, file.TransportOptions
				merge("bits", func() { o.Bits = fo.Bits })
				merge("degree2", func() { o.Degree2 = fo.Degree2 })
				merge("qm", func() { o.Qm = fo.Qm })
				merge("rate", func() { o.Rate = fo.Rate })
				merge("frame-bytes", func() { o.FrameBytes = fo.FrameBytes })
				merge("loss", func() { o.Loss = fo.Loss })
				merge("harq", func() { o.HARQ = fo.HARQ })
				merge("analog-bits", func() { o.AnalogBits = fo.AnalogBits })
				merge("analog-power", func() { o.AnalogPowerDB = fo.AnalogPowerDB })
				merge("perfect-csi", func() { o.PerfectCSI = fo.PerfectCSI })
			}
			if snrs != "" {
				v, err := parseFloatList(snrs)
				if err != nil {
					return usageError{fmt.Errorf("--snr: %w", err)}
				}
				sc.SNRs = v
			}
			sw, err := sc.Sweep()
			if err != nil {
				return usageError{err}
			}
			dcfg, hcfg, iqcfg, err := sc.TransportOptions.Configs()
			if err != nil {
				return usageError{err}
			}
			opts := sim.Options{Meta: map[string]string{"weights": sc.Weights, "command": "sweep"}}
			if o := sc.TransportOptions; o != (link.TransportOptions{Loss: o.Loss}) || (o.Loss != "" && o.Loss != "batch") {
				b, _ := json.Marshal(o)
				opts.Meta["transport_options"] = string(b)
			}
			if shard != "" {
				if opts.Shard, err = sim.ParseShard(shard); err != nil {
					return usageError{err}
				}
			} else if s, ok, err := sim.ShardFromEnv(nil); err != nil {
				return usageError{err}
			} else if ok {
				opts.Shard = s
			}
			policy, _ := link.ParseWeightsPolicy(sc.Weights)
			update, finish := newProgress(cmd.ErrOrStderr(), "sweep")
			opts.Progress = update
			res, err := sim.Run(cmd.Context(), sw, link.NewFactory(link.Config{
				Models:  link.Pretrained(policy),
				Keys:    he.KeyConfig{RotateEvery: sc.RotateKeys},
				Eve:     eveConfig(g),
				IQ:      iqcfg,
				Digital: dcfg,
				Hybrid:  hcfg,
			}), opts)
			finish()
			if err != nil {
				return err
			}
			if out != "" {
				files, err := writeOutputs(out, res, res.Complete)
				if err != nil {
					return err
				}
				if !asJSON {
					fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s\n", strings.Join(files, ", "))
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			if !res.Complete {
				fmt.Fprintf(cmd.OutOrStdout(), "partial result: shard %s (merge with 'hesemcom merge')\n", opts.Shard)
			}
			return res.WriteMarkdown(cmd.OutOrStdout())
		},
	}
	f := c.Flags()
	f.StringVar(&config, "config", "", "scenario file (YAML or JSON)")
	f.StringSliceVar(&sc.Datasets, "dataset", sc.Datasets, "datasets: mnist, fashion")
	f.StringSliceVar(&sc.Models, "model", sc.Models, "models: 1, 2, 3, 4, he-wide")
	f.StringVar(&snrs, "snr", "0,5,10,15,20,25", "SNRs in dB (Es/N0 per complex symbol): a list, or lo:hi:step")
	f.StringSliceVar(&sc.Channels, "channel", sc.Channels, "channels: awgn, rayleigh, rician-K<k>; at the iq level also tdl-a|b|c[-ds<ns>ns][-fd<Hz>]")
	f.StringVar(&sc.Transport, "transport", sc.Transport, "Model 4 transport of the encrypted features: slot, digital or hybrid")
	addTransportFlags(f, &sc.TransportOptions)
	f.StringVar(&sc.Level, "level", sc.Level, "simulation level: symbol (channel on the symbols) or iq (through the OFDM modem)")
	f.IntVar(&sc.Images, "images", sc.Images, "test images per point and realisation (≤ 10000)")
	f.IntVar(&sc.Realisations, "realisations", sc.Realisations, "noise realisations per point")
	f.Uint64Var(&sc.Seed, "seed", sc.Seed, "run seed")
	f.StringVar(&sc.Weights, "weights", sc.Weights, "pretrained models: per-snr (trained at each SNR) or agnostic")
	f.IntVar(&sc.RotateKeys, "rotate-keys", 0, "Model 4: new CKKS keys every K batches (0: never)")
	f.BoolVar(&sc.Eve, "eve", false, "add the eavesdropper's accuracy for every model: Models 2/3 on the plaintext symbols, Model 4 on its ciphertexts, Model 1 on its decoded ciphered PDUs (needs the training set: --data)")
	f.StringVar(&shard, "shard", "", "run shard i/n only (default from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX)")
	f.StringVar(&out, "out", "", "directory for result.json, results.csv, table.md and plots")
	f.BoolVar(&asJSON, "json", false, "print the result as one JSON object")
	return c
}

// eveConfig gives the eavesdropper the training sets of the data directory.
func eveConfig(g *globalFlags) link.EveConfig {
	return link.EveConfig{Train: func(n source.Name) (*source.Dataset, error) {
		return source.LoadTrain(n, source.DataDirs(g.dataDir))
	}}
}

func newMergeCmd(g *globalFlags) *cobra.Command {
	var (
		out    string
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "merge RESULT.json...",
		Short: "Combine partial sweep results (shards) exactly",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var parts []*sim.Result
			for _, a := range args {
				f, err := os.Open(a)
				if err != nil {
					return err
				}
				r, err := sim.ReadResult(f)
				f.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", a, err)
				}
				parts = append(parts, r)
			}
			m, err := sim.Merge(parts...)
			if err != nil {
				return err
			}
			if out != "" {
				if _, err := writeOutputs(out, m, m.Complete); err != nil {
					return err
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), m)
			}
			if !m.Complete {
				fmt.Fprintf(cmd.OutOrStdout(), "incomplete: shards %s\n", strings.Join(m.Shards, ", "))
			}
			return m.WriteMarkdown(cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&out, "out", "", "directory for the merged result, CSV, table and plots")
	c.Flags().BoolVar(&asJSON, "json", false, "print the merged result as one JSON object")
	return c
}
