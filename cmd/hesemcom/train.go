package main

import (
	"encoding"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/nn"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/phy/jscc"
)

// images converts a source dataset to the plain images the models of phy/
// train and test on.
func images(d *source.Dataset) *nn.Images {
	return &nn.Images{Rows: d.Rows, Cols: d.Cols, Pixels: d.Pixels, Labels: d.Labels}
}

// trainingSets loads the training set of name from the data directory (its
// first limit images when limit > 0) and the embedded test set.
func trainingSets(g *globalFlags, name source.Name, limit int) (train, test *source.Dataset, err error) {
	if train, err = source.LoadTrain(name, source.DataDirs(g.dataDir)); err != nil {
		return nil, nil, err
	}
	if test, err = source.LoadTest(name); err != nil {
		return nil, nil, err
	}
	if limit > 0 && limit < train.Len() {
		train = train.Slice(0, limit)
	}
	return train, test, nil
}

// epochPrinter returns the progress callback of the training commands: one
// line per epoch on w.
func epochPrinter(w io.Writer) func(nn.Progress) {
	start := time.Now()
	return func(p nn.Progress) {
		fmt.Fprintf(w, "epoch %d/%d  loss %.4f  train acc %.4f  %s\n", p.Epoch, p.Epochs, p.Loss, p.Accuracy, time.Since(start).Round(time.Second))
	}
}

// writeModel writes a model file and returns its size.
func writeModel(out string, m encoding.BinaryMarshaler) (int, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return 0, err
	}
	return len(b), os.WriteFile(out, b, 0o644)
}

// parseSNRRange parses "agnostic" (0:25), "LO:HI" or a single SNR in dB.
func parseSNRRange(s string) (lo, hi units.DB, err error) {
	if s == "agnostic" {
		return 0, 25, nil
	}
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		b = a
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil || y < x {
		return 0, 0, fmt.Errorf("bad --snr %q (want agnostic, a number of dB or LO:HI)", s)
	}
	return units.DB(x), units.DB(y), nil
}

func newTrainCmd(g *globalFlags) *cobra.Command {
	var (
		recipe, dataset, model, snr, out string
		epochs, batch, kernel, channels  int
		limit                            int
		lr                               float64
		seed                             uint64
		asJSON                           bool
	)
	c := &cobra.Command{
		Use:   "train",
		Short: "Train a deep JSCC model with the AWGN channel in the loop",
		Long: `train fits a deep JSCC model (original = Model 2, he = Model 3 of Table II,
he-wide) on the training set with the AWGN channel in the loop and writes a model
file. --recipe NAME reproduces an embedded pretrained model exactly (see
'hesemcom eval --list'); otherwise --dataset, --model and --snr choose the model.
Training is deterministic for a seed. The training sets are read from --data.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var r jscc.Recipe
			if recipe != "" {
				var err error
				if r, err = jscc.RecipeByName(recipe); err != nil {
					return usageError{err}
				}
			} else {
				a, err := jscc.ParseArch(model)
				if err != nil {
					return usageError{err}
				}
				lo, hi, err := parseSNRRange(snr)
				if err != nil {
					return usageError{err}
				}
				r = jscc.Recipe{Dataset: dataset, Config: jscc.Config{Arch: a, Kernel: kernel, Channels: channels},
					Train: jscc.TrainConfig{SNRLo: lo, SNRHi: hi, Seed: 1}}
			}
			flags := cmd.Flags()
			if flags.Changed("epochs") || r.Train.Epochs == 0 {
				r.Train.Epochs = epochs
			}
			if flags.Changed("batch") {
				r.Train.BatchSize = batch
			}
			if flags.Changed("lr") {
				r.Train.LR = lr
			}
			if flags.Changed("seed") {
				r.Train.Seed = seed
			}
			name, err := source.ParseName(r.Dataset)
			if err != nil {
				return usageError{err}
			}
			if out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			train, test, err := trainingSets(g, name, limit)
			if err != nil {
				return err
			}
			m, err := jscc.New(r.Config, r.Train.Seed)
			if err != nil {
				return usageError{err}
			}
			m.Meta.Dataset = string(name)
			stderr := cmd.ErrOrStderr()
			fmt.Fprintf(stderr, "training %s on %s (%d images), SNR [%g, %g] dB, %d epochs, seed %d\n",
				m.Describe(), name, train.Len(), float64(r.Train.SNRLo), float64(r.Train.SNRHi), r.Train.Epochs, r.Train.Seed)
			start := time.Now()
			if err := m.Train(cmd.Context(), images(train), r.Train, epochPrinter(stderr)); err != nil {
				return err
			}
			elapsed := time.Since(start)
			// The recorded test accuracy: at the training SNR, or 10 dB for an
			// SNR-agnostic model; one noise realisation, seed 1.
			tsnr := r.Train.SNRLo
			if r.Train.SNRHi > r.Train.SNRLo {
				tsnr = 10
			}
			acc, _, err := m.Accuracy(cmd.Context(), images(test), tsnr, 1, 1)
			if err != nil {
				return err
			}
			m.Meta.TestSNR, m.Meta.TestAcc = float64(tsnr), acc
			size, err := writeModel(out, m)
			if err != nil {
				return err
			}
			res := map[string]any{
				"recipe": r.Name, "model": m.Config().Arch.String(), "dataset": string(name), "file": out, "bytes": size,
				"snr_lo_db": float64(r.Train.SNRLo), "snr_hi_db": float64(r.Train.SNRHi), "epochs": r.Train.Epochs, "seed": r.Train.Seed,
				"gain": m.Gain(), "train_seconds": elapsed.Seconds(), "test_snr_db": float64(tsnr), "test_accuracy": acc,
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes): test accuracy %.4f at %g dB, trained in %s\n", out, size, acc, float64(tsnr), elapsed.Round(time.Second))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&recipe, "recipe", "", "reproduce the embedded model of this name (e.g. mnist-he-agnostic)")
	f.StringVar(&dataset, "dataset", "mnist", "dataset: mnist or fashion")
	f.StringVar(&model, "model", "he", "architecture: original (Model 2), he (Model 3, Table II) or he-wide")
	f.StringVar(&snr, "snr", "agnostic", "training SNR in dB: a number, LO:HI, or agnostic (uniform in 0:25)")
	f.IntVar(&epochs, "epochs", 10, "training epochs")
	f.IntVar(&batch, "batch", 64, "mini-batch size")
	f.IntVar(&kernel, "kernel", 0, "conv kernel side (default 5)")
	f.IntVar(&channels, "channels", 0, "conv channels of he-wide (default 8)")
	f.Float64Var(&lr, "lr", 3e-3, "initial Adam step size (cosine-decayed to lr/20)")
	f.Uint64Var(&seed, "seed", 1, "seed of the weights, shuffling and channel noise")
	f.StringVar(&out, "out", "", "model file to write (required)")
	f.IntVar(&limit, "limit", 0, "train on the first N training images only (0: all 60000)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object on stdout")
	return c
}
