package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/pipeline"
	"github.com/hesemcom/hesemcom/pipeline/pipebench"
)

// newBenchCmd groups the throughput benchmarks that users run from the CLI
// (the Go benchmarks measure the same code).
func newBenchCmd(g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "bench",
		Short: "Throughput benchmarks of the processing chains",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(newBenchPipelineCmd(), newBenchModemCmd())
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
