package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/app/codec"
	"github.com/hesemcom/hesemcom/app/nea"
	"github.com/hesemcom/hesemcom/app/source"
)

// newCodecCmd measures the classical baseline's source codecs (app/codec) on
// a test set: payload bytes per image and PSNR at a byte budget.
func newCodecCmd(_ *globalFlags) *cobra.Command {
	var (
		dataset string
		cfg     codec.Config
		n       int
		workers int
		asJSON  bool
	)
	c := &cobra.Command{
		Use:   "codec",
		Short: "Source codecs of the classical baseline: bytes per image and PSNR on a test set",
		Long: `codec codes the first --n images of the embedded test set with JPEG 2000
(OpenJPEG's opj_compress/opj_decompress, package libopenjp2-tools) or JPEG (Go's
image/jpeg, the fallback when OpenJPEG is missing) at most --budget payload bytes
each, with the headers both ends can rebuild stripped, decodes them and reports
payload bytes and PSNR.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := source.ParseName(dataset)
			if err != nil {
				return usageError{err}
			}
			if n < 0 || workers < 1 {
				return usageError{fmt.Errorf("--n must be ≥ 0 and --workers ≥ 1")}
			}
			c, err := codec.New(cfg)
			if err != nil {
				return usageError{err}
			}
			if c.Notice() != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "hesemcom: notice:", c.Notice())
			}
			d, err := source.LoadTest(name)
			if err != nil {
				return err
			}
			if n == 0 || n > d.Len() {
				n = d.Len()
			}
			start := time.Now()
			st, err := codec.Evaluate(c, d.Slice(0, n).Pixels, workers, nil)
			if err != nil {
				return err
			}
			elapsed := time.Since(start).Seconds()
			out := struct {
				Dataset string       `json:"dataset"`
				Config  codec.Config `json:"config"`
				Notice  string       `json:"notice,omitempty"`
				codec.Stats
				Workers        int     `json:"workers"`
				SecondsPerImg  float64 `json:"seconds_per_image"`
				HeaderBytesCut string  `json:"stripped"`
			}{name.String(), c.Config(), c.Notice(), st, workers, elapsed / float64(n), stripped(c.Config().Kind)}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), out)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s on %s, %d images, budget %d bytes (stripped: %s)\n", st.Codec, name, st.Images, st.Budget, out.HeaderBytesCut)
			fmt.Fprintf(w, "payload bytes: mean %.1f, min %d, max %d; failures %d\n", st.MeanBytes, st.MinBytes, st.MaxBytes, st.Failures)
			fmt.Fprintf(w, "PSNR: mean %.2f dB (exact images count %.0f dB), of mean MSE %.2f dB, min %.2f dB; exact %d\n",
				st.MeanPSNR, codec.MaxPSNR, st.PSNRMeanMSE, st.MinPSNR, st.Lossless)
			fmt.Fprintf(w, "time: %.2f ms per image (encode + decode, %d workers)\n", 1e3*out.SecondsPerImg, workers)
			return nil
		},
	}
	c.Flags().StringVar(&dataset, "dataset", "mnist", "test set: mnist or fashion")
	c.Flags().TextVar(&cfg.Kind, "codec", codec.Auto, "codec: auto (JPEG 2000 if OpenJPEG is installed, else JPEG), j2k or jpeg")
	c.Flags().IntVar(&cfg.Budget, "budget", codec.DefaultBudget, "maximum payload bytes per image")
	c.Flags().IntVar(&cfg.Resolutions, "resolutions", codec.DefaultResolutions, "JPEG 2000 resolution levels (-1: per image the better of 1 and 2, behind a mode byte)")
	c.Flags().IntVar(&cfg.CodeBlock, "code-block", codec.DefaultCodeBlock, "JPEG 2000 code-block size (power of two, 4..64)")
	c.Flags().IntVar(&n, "n", 1000, "images to code (0 = the whole test set)")
	c.Flags().IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "parallel workers")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func stripped(k codec.Kind) string {
	if k == codec.J2K {
		return "SOC/SIZ/COD/QCD main header, COM, SOT/SOD, EOC"
	}
	return "SOI/DQT/SOF0/DHT/SOS headers and EOI; 1 quality byte sent"
}

// newAvalancheCmd measures plaintext bit errors per ciphertext bit error for
// NEA2 (AES-CTR) and AES-CBC (app/nea).
func newAvalancheCmd(_ *globalFlags) *cobra.Command {
	var (
		bytes, flips, trials int
		seed                 uint64
		asJSON               bool
	)
	c := &cobra.Command{
		Use:   "avalanche",
		Short: "Error propagation through the cipher: plaintext bit errors per ciphertext bit error, NEA2 (CTR) vs AES-CBC",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rng := rand.New(rand.NewPCG(seed, 0))
			var res []nea.Propagation
			for _, m := range []nea.Mode{nea.CTR, nea.CBC} {
				p, err := nea.ErrorPropagation(m, bytes, flips, trials, rng)
				if err != nil {
					return usageError{err}
				}
				res = append(res, p)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"seed": seed, "results": res})
			}
			for _, p := range res {
				fmt.Fprintf(cmd.OutOrStdout(), "%-9s %d-byte messages, %d trials, %d ciphertext bit errors each: %.3f plaintext bit errors per ciphertext bit error\n",
					p.Mode, p.MessageBytes, p.Trials, flips, p.PerCipherError)
			}
			return nil
		},
	}
	c.Flags().IntVar(&bytes, "bytes", 208, "message bytes (a multiple of 16 for CBC; 208 = the 196-byte budget in AES blocks)")
	c.Flags().IntVar(&flips, "flips", 1, "ciphertext bit errors per message")
	c.Flags().IntVar(&trials, "trials", 10000, "messages")
	c.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}
