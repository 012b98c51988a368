package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/pipeline"
	"github.com/hesemcom/hesemcom/pipeline/pipebench"
	"github.com/hesemcom/hesemcom/sim/link"
)

// newBenchCmd groups the throughput benchmarks that users run from the CLI
// (the Go benchmarks measure the same code).
func newBenchCmd(g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "bench",
		Short: "Throughput benchmarks of the processing chains",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(newBenchPipelineCmd(), newBenchModemCmd(), newBenchStreamCmd())
	return c
}

func newBenchPipelineCmd() *cobra.Command {
	var (
		cfg    pipebench.Config
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "pipeline",
		Short: "Source → N × multiply-by-constant → sink through the pipeline, vs a fused loop and GNU Radio",
		Long: `Runs GNU Radio's framework chain (vector source → N × multiply_const_cc(1) → null sink)
through the pipeline runtime over complex64 frames, then the same arithmetic as a fused
loop on the same cores, and prints samples/s, the chain/fused ratio, GNU Radio 3.10's
rate on this kind of 2-core machine (where measured: N = 1, 4, 16) and the per-block
counters.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Blocks < 1 || cfg.FrameLen < 1 || cfg.Samples < 1 {
				return usageError{fmt.Errorf("--blocks, --frame and --samples must be positive")}
			}
			res, err := pipebench.Chain(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "chain: %d × multiply-by-constant, %d-sample frames, %d samples, %d cores\n",
				res.Config.Blocks, res.Config.FrameLen, res.Config.Samples, res.Cores)
			fmt.Fprintf(w, "  pipeline   %8.1f Msamples/s (%.3f s)\n", res.ChainSps/1e6, res.ChainSec)
			fmt.Fprintf(w, "  fused loop %8.1f Msamples/s\n", res.FusedSps/1e6)
			fmt.Fprintf(w, "  ratio      %8.2f (pipeline / fused)\n", res.Ratio)
			if res.GNURadioSps > 0 {
				fmt.Fprintf(w, "  GNU Radio  %8.1f Msamples/s (3.10, same chain, 2-core machine) → %.2f×\n",
					res.GNURadioSps/1e6, res.ChainSps/res.GNURadioSps)
			}
			fmt.Fprintln(w)
			return pipeline.Report(w, res.Blocks)
		},
	}
	c.Flags().IntVar(&cfg.Blocks, "blocks", 1, "number of multiply-by-constant blocks N")
	c.Flags().IntVar(&cfg.FrameLen, "frame", 4096, "samples per frame")
	c.Flags().Int64Var(&cfg.Samples, "samples", 20_000_000, "samples to stream")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

// streamBench is one row of 'bench stream'.
type streamBench struct {
	Model        string                `json:"model"`
	Level        string                `json:"level"`
	Channel      string                `json:"channel"`
	Images       int                   `json:"images"`
	ImagesPerSec float64               `json:"images_per_s"`
	Accuracy     float64               `json:"accuracy"`
	Bottleneck   string                `json:"bottleneck"`
	BusyShare    float64               `json:"bottleneck_busy_share"` // its busy time per worker / the run's wall time
	Stages       []pipeline.BlockStats `json:"stages"`
}

func newBenchStreamCmd() *cobra.Command {
	var (
		models, levels []string
		channel        string
		images, model4 int
		snr            float64
		asJSON         bool
	)
	c := &cobra.Command{
		Use:   "stream",
		Short: "End-to-end images/s of each model's link as a pipeline, at the symbol and iq levels, with per-block counters",
		Long: `Runs each model's link as the pipeline of 'hesemcom run' (embedded models, MNIST) at
each level and prints images/s end to end, the bottleneck block (highest busy share) and
the per-block counters. At the iq level the OFDM modem and the sample-level channel are
blocks of their own: map → OFDM modulate → channel → OFDM demodulate and equalise.
The bottleneck is the block with the most busy time per worker (its share of the run
time is printed); the tables below the summary are the pipeline's own counters, whose
starred block ranks by busy share of the block's own lifetime.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if images < 1 || images > 10000 || model4 < 1 || model4 > 10000 {
				return usageError{fmt.Errorf("--images and --model4-images must be in [1, 10000]")}
			}
			var links []string
			for _, m := range models {
				lk, err := link.ParseModel(m)
				if err != nil || lk == link.Model1 {
					return usageError{fmt.Errorf("--models %q: want 2, 3, 4 or he-wide", m)}
				}
				links = append(links, lk)
			}
			for _, l := range levels {
				if l != "symbol" && l != "iq" {
					return usageError{fmt.Errorf("--levels %q: want symbol or iq", l)}
				}
				if _, err := link.ParseChannel(channel); l == "symbol" && err != nil {
					return usageError{err}
				}
				if _, err := link.ParseIQChannel(channel); l == "iq" && err != nil {
					return usageError{err}
				}
			}
			var rows []streamBench
			for _, lk := range links {
				for _, l := range levels {
					n := images
					if lk == link.Model4 {
						n = model4
					}
					res, err := link.RunStream(cmd.Context(), link.StreamConfig{
						Link: lk, Dataset: source.MNIST, Images: n, SNR: units.DB(snr), Channel: channel, Level: l, Seed: 1,
					})
					if err != nil {
						return err
					}
					row := streamBench{Model: lk, Level: l, Channel: res.Channel, Images: n, ImagesPerSec: res.ImagesPerSec,
						Accuracy: res.Accuracy, Stages: res.Stages}
					row.Bottleneck, row.BusyShare = pipeline.Bottleneck(res.Stages)
					rows = append(rows, row)
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rows)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%-8s %-6s %7s %12s %9s  %s\n", "model", "level", "images", "images/s", "accuracy", "bottleneck (busy time per worker / run time)")
			for _, r := range rows {
				fmt.Fprintf(w, "%-8s %-6s %7d %12.0f %8.2f%%  %s (%.0f%%)\n", r.Model, r.Level, r.Images, r.ImagesPerSec, 100*r.Accuracy, r.Bottleneck, 100*r.BusyShare)
			}
			for _, r := range rows {
				fmt.Fprintf(w, "\n%s, %s level, %s at %g dB:\n", r.Model, r.Level, r.Channel, snr)
				if err := pipeline.Report(w, r.Stages); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringSliceVar(&models, "models", []string{"2", "3", "4"}, "links: 2, 3, 4, he-wide")
	f.StringSliceVar(&levels, "levels", []string{"symbol", "iq"}, "levels: symbol, iq")
	f.StringVar(&channel, "channel", "awgn", "channel (at the iq level also tdl-a|b|c)")
	f.Float64Var(&snr, "snr", 10, "SNR in dB (Es/N0 per complex symbol)")
	f.IntVar(&images, "images", 10000, "test images for Models 2, 3 and he-wide")
	f.IntVar(&model4, "model4-images", 10000, "test images for Model 4 (CKKS; 4096 per batch)")
	f.BoolVar(&asJSON, "json", false, "print one JSON array")
	return c
}
