package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/phy/classifier"
)

// newTrainClassifierCmd trains Model 1's receiver-side residual CNN.
func newTrainClassifierCmd(g *globalFlags) *cobra.Command {
	var (
		dataset, out  string
		epochs, limit int
		width, blocks int
		lr            float64
		seed          uint64
		asJSON        bool
	)
	c := &cobra.Command{
		Use:   "train-classifier",
		Short: "Train the residual CNN classifier of the classical link (Model 1) on clean images",
		Long: `train-classifier fits Model 1's receiver-side residual CNN (phy/classifier) to
the clean training set of --dataset and writes a model file. Without --epochs,
--seed, --width, --blocks or --lr it runs the recipe of the embedded model, so
'train-classifier --dataset mnist --out m.hsmc' reproduces
phy/classifier/models/mnist.hsmc bit for bit. The training sets are read from
--data; the clean test accuracy is measured on the embedded test set.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := source.ParseName(dataset)
			if err != nil {
				return usageError{err}
			}
			if out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			r, err := classifier.RecipeFor(name.String())
			if err != nil {
				return usageError{err}
			}
			f := cmd.Flags()
			if f.Changed("epochs") {
				r.Train.Epochs = epochs
			}
			if f.Changed("seed") {
				r.Train.Seed = seed
			}
			if f.Changed("lr") {
				r.Train.LR = lr
			}
			if f.Changed("width") {
				r.Config.Width = width
			}
			if f.Changed("blocks") {
				r.Config.Blocks = blocks
			}
			if r.Train.Epochs < 1 || limit < 0 {
				return usageError{fmt.Errorf("--epochs must be ≥ 1 and --limit ≥ 0")}
			}
			m, err := classifier.New(r.Config, r.Train.Seed)
			if err != nil {
				return usageError{err}
			}
			train, test, err := trainingSets(g, name, limit)
			if err != nil {
				return err
			}
			m.Meta.Dataset = name.String()
			stderr := cmd.ErrOrStderr()
			fmt.Fprintf(stderr, "training the classifier (%+v) on %s (%d images), %d epochs, seed %d\n",
				m.Config(), name, train.Len(), r.Train.Epochs, r.Train.Seed)
			start := time.Now()
			if err := m.Train(cmd.Context(), images(train), r.Train, epochPrinter(stderr)); err != nil {
				return err
			}
			elapsed := time.Since(start)
			acc, err := m.Accuracy(cmd.Context(), images(test), 2)
			if err != nil {
				return err
			}
			m.Meta.TestAcc = acc
			size, err := writeModel(out, m)
			if err != nil {
				return err
			}
			res := map[string]any{
				"dataset": name.String(), "file": out, "bytes": size, "config": m.Config(), "meta": m.Meta,
				"train_seconds": elapsed.Seconds(), "test_accuracy": acc,
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes): clean test accuracy %.4f, trained in %s\n", out, size, acc, elapsed.Round(time.Second))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&dataset, "dataset", "mnist", "dataset: mnist or fashion")
	f.StringVar(&out, "out", "", "model file to write (required)")
	f.IntVar(&epochs, "epochs", 0, "training epochs (default: the recipe's)")
	f.IntVar(&limit, "limit", 0, "use only the first N training images (0 = all)")
	f.IntVar(&width, "width", classifier.DefaultWidth, "channels of the first stage")
	f.IntVar(&blocks, "blocks", classifier.DefaultBlocks, "residual blocks")
	f.Float64Var(&lr, "lr", 3e-3, "initial Adam step size")
	f.Uint64Var(&seed, "seed", 1, "training seed")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}
