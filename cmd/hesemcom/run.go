package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/pipeline"
	"github.com/hesemcom/hesemcom/sim/link"
)

func newRunCmd(g *globalFlags) *cobra.Command {
	var (
		dataset, channel, out string
		model, level          string
		snr                   float64
		images, rotate        int
		seed                  uint64
		asJSON                bool
	)
	c := &cobra.Command{
		Use:   "run",
		Short: "The main job: the full encrypted link on the embedded test set, through the pipeline",
		Long: `Runs Model 4 end to end as a pipeline of goroutine blocks: the transmitter encrypts
the images with CKKS (public key from the receiver), evaluates the Table II JSCC encoder on
the ciphertexts, the encrypted features cross the channel (slot transport: noise added to
the values in the slots, the paper's abstraction), the receiver evaluates the FC decoder on
the ciphertexts and decrypts only the class. Prints accuracy (with the plaintext Model 3 on
the same images and noise for comparison), images/s, time per stage, bytes on the air, and
writes a report folder (run.json, stages.png). With --level iq the symbols cross the OFDM
modem and a sample-level channel as blocks of their own (map → OFDM modulate → channel →
OFDM demodulate and equalise), so the per-block counters show the modem's cost too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := source.ParseName(dataset)
			if err != nil {
				return usageError{err}
			}
			if images < 0 || images > 10000 {
				return usageError{fmt.Errorf("--images %d out of range [0, 10000]", images)}
			}
			if rotate < 0 {
				return usageError{fmt.Errorf("--rotate-keys must be ≥ 0")}
			}
			switch level {
			case "symbol":
				if _, err := link.ParseChannel(channel); err != nil {
					return usageError{err}
				}
			case "iq":
				if _, err := link.ParseIQChannel(channel); err != nil {
					return usageError{err}
				}
			default:
				return usageError{fmt.Errorf("--level %q: want symbol or iq", level)}
			}
			lk, err := link.ParseModel(model)
			if err != nil || lk == link.Model1 {
				return usageError{fmt.Errorf("--model %q: want 2, 3, 4 or he-wide (Model 1: 'hesemcom classical')", model)}
			}
			update, finish := newProgress(cmd.ErrOrStderr(), "encrypted link")
			res, err := link.RunStream(cmd.Context(), link.StreamConfig{
				Link: lk, Dataset: name, Images: images, SNR: units.DB(snr), Channel: channel, Level: level, Seed: seed,
				Keys: he.KeyConfig{RotateEvery: rotate}, Progress: update,
			})
			finish()
			if err != nil {
				return err
			}
			var files []string
			if out != "" {
				if files, err = writeRunReport(out, res); err != nil {
					return err
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			w := cmd.OutOrStdout()
			encrypted := res.Link == link.Model4
			if encrypted {
				fmt.Fprintf(w, "Model 4 (Table II JSCC on CKKS ciphertexts), %s test set, %d images, %s at %g dB (Es/N0), slot transport\n",
					res.Dataset, res.Images, res.Channel, res.SNR)
			} else {
				fmt.Fprintf(w, "%s (plaintext JSCC), %s test set, %d images, %s at %g dB (Es/N0)\n",
					res.Link, res.Dataset, res.Images, res.Channel, res.SNR)
			}
			fmt.Fprintf(w, "  model          %s\n", res.Model)
			if res.Level == "iq" {
				fmt.Fprintf(w, "  level          iq: OFDM modem and sample-level channel as blocks of their own, %d IQ samples/image\n", res.IQSamples)
			}
			if encrypted {
				fmt.Fprintf(w, "  HE parameters  %s\n", res.Params)
			}
			fmt.Fprintf(w, "  accuracy       %.2f %% (95 %% CI %.2f–%.2f)\n", 100*res.Accuracy, 100*res.CI95[0], 100*res.CI95[1])
			if encrypted {
				fmt.Fprintf(w, "  plaintext M3   %.2f %% on the same images and noise; %d/%d decisions identical\n",
					100*res.PlainAccuracy, res.Agreement, res.Images)
			}
			fmt.Fprintf(w, "  throughput     %.0f images/s (%.2f ms/image, %.1f s, %d batches)\n",
				res.ImagesPerSec, 1e3/res.ImagesPerSec, res.Seconds, res.Batches)
			if encrypted {
				fmt.Fprintf(w, "  on the air     %.0f bytes/image of ciphertext vs %d bytes of float32 features; %d channel uses/image\n",
					res.AirBytesPerImage, res.PlainFeatureBytes, res.ChannelUses)
				fmt.Fprintf(w, "  keys           %d key set(s), %.2f s to generate\n", res.KeySets, res.KeyGenSeconds)
			} else {
				fmt.Fprintf(w, "  on the air     %d channel uses/image (analog symbols)\n", res.ChannelUses)
			}
			fmt.Fprintln(w)
			if err := pipeline.Report(w, res.Stages); err != nil {
				return err
			}
			if len(files) > 0 {
				fmt.Fprintf(w, "\nreport: %s\n", strings.Join(files, ", "))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&dataset, "dataset", "mnist", "dataset: mnist or fashion")
	f.StringVar(&model, "model", "4", "link: 4 (CKKS), or the plaintext 2, 3, he-wide")
	f.Float64Var(&snr, "snr", 10, "SNR in dB (Es/N0 per complex symbol)")
	f.StringVar(&channel, "channel", "awgn", "channel: awgn, rayleigh, rician-K<k>; at --level iq also tdl-a|b|c[-ds<ns>ns][-fd<Hz>]")
	f.StringVar(&level, "level", "symbol", "symbol (the channel's effective noise on the symbols) or iq (OFDM modem and sample-level channel as pipeline blocks)")
	f.IntVar(&images, "images", 0, "images of the test set to send (0: all 10000)")
	f.Uint64Var(&seed, "seed", 1, "noise seed")
	f.IntVar(&rotate, "rotate-keys", 0, "new CKKS keys every K batches (0: never)")
	f.StringVar(&out, "out", "hesemcom-report", "report folder (empty: none)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

// writeRunReport writes run.json and a bar chart of the time per stage.
func writeRunReport(dir string, res *link.StreamResult) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	jp := filepath.Join(dir, "run.json")
	f, err := os.Create(jp)
	if err != nil {
		return nil, err
	}
	err = writeJSON(f, res)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s link: busy time per stage (%d images, %.0f images/s)", res.Link, res.Images, res.ImagesPerSec)
	p.Y.Label.Text = "busy seconds"
	var vals plotter.Values
	var names []string
	for _, s := range res.Stages {
		vals = append(vals, s.Busy.Seconds())
		names = append(names, s.Name)
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(28))
	if err != nil {
		return nil, err
	}
	p.Add(bars)
	p.NominalX(names...)
	pp := filepath.Join(dir, "stages.png")
	if err := p.Save(9*vg.Inch, 4*vg.Inch, pp); err != nil {
		return nil, err
	}
	return []string{jp, pp}, nil
}
