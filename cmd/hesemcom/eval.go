package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/phy/jscc"
)

// parseSNRList parses a comma-separated list of SNRs in dB.
func parseSNRList(s string) ([]units.DB, error) {
	var out []units.DB
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v < -50 || v > 100 {
			return nil, fmt.Errorf("bad SNR %q in --snr (want dB values in [-50, 100], comma-separated)", f)
		}
		out = append(out, units.DB(v))
	}
	return out, nil
}

type evalPoint struct {
	SNR        float64   `json:"snr_db"`
	Accuracy   float64   `json:"accuracy"`
	Accuracies []float64 `json:"accuracies"`
	Model      string    `json:"model"`
}

type evalResult struct {
	Dataset     string      `json:"dataset"`
	Arch        string      `json:"arch"`
	PerSNR      bool        `json:"per_snr_models"`
	Trials      int         `json:"trials"`
	Seed        uint64      `json:"seed"`
	TestImages  int         `json:"test_images"`
	ChannelUses int         `json:"channel_uses"`
	Convention  string      `json:"snr_convention"`
	Results     []evalPoint `json:"results"`
}

func newEvalCmd(g *globalFlags) *cobra.Command {
	var (
		dataset, model, snrs, file string
		trials, limit              int
		seed                       uint64
		perSNR, list, asJSON       bool
	)
	c := &cobra.Command{
		Use:   "eval",
		Short: "Accuracy vs SNR of a deep JSCC model on the test set (Table III)",
		Long: `eval measures the top-1 accuracy of a deep JSCC model over the AWGN channel on
the embedded 10k test set, as the mean of --trials seeded noise realisations.
By default it uses the embedded SNR-agnostic model; --per-snr uses the model
trained at each SNR, --file a model file written by 'hesemcom train'.
SNR is Es/N0 per complex channel symbol (two real features), Es = 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if list {
				for _, n := range jscc.PretrainedNames() {
					fmt.Fprintln(cmd.OutOrStdout(), n)
				}
				return nil
			}
			name, err := source.ParseName(dataset)
			if err != nil {
				return usageError{err}
			}
			arch, err := jscc.ParseArch(model)
			if err != nil {
				return usageError{err}
			}
			points, err := parseSNRList(snrs)
			if err != nil {
				return usageError{err}
			}
			if trials < 1 {
				return usageError{fmt.Errorf("--trials %d < 1", trials)}
			}
			test, err := source.LoadTest(name)
			if err != nil {
				return err
			}
			if limit > 0 && limit < test.Len() {
				test = test.Slice(0, limit)
			}
			load := func(snr units.DB) (*jscc.Model, string, error) {
				if file != "" {
					f, err := os.Open(file)
					if err != nil {
						return nil, "", err
					}
					defer f.Close()
					m, err := jscc.Read(f)
					return m, file, err
				}
				var p *units.DB
				if perSNR {
					p = &snr
				}
				n := jscc.PretrainedName(string(name), arch, p)
				m, err := jscc.Pretrained(n)
				return m, n, err
			}
			res := evalResult{Dataset: string(name), Arch: arch.String(), PerSNR: perSNR, Trials: trials, Seed: seed,
				TestImages: test.Len(), Convention: "Es/N0 per complex symbol, Es=1, N0=10^(-SNR/10), N0/2 per real feature"}
			for i, snr := range points {
				m, mname, err := load(snr)
				if err != nil {
					return err
				}
				if m.Config().Arch != arch && file == "" {
					return fmt.Errorf("model %s is %v, not %v", mname, m.Config().Arch, arch)
				}
				res.ChannelUses = m.ChannelUses()
				mean, each, err := m.Accuracy(cmd.Context(), images(test), snr, seed+uint64(i)<<20, trials)
				if err != nil {
					return err
				}
				res.Results = append(res.Results, evalPoint{SNR: float64(snr), Accuracy: mean, Accuracies: each, Model: mname})
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "%s, %s, %d test images, %d channel uses/image, mean of %d noise realisations\n", name, arch, test.Len(), res.ChannelUses, trials)
			fmt.Fprintln(w, "SNR dB\taccuracy %\tmodel")
			for _, p := range res.Results {
				fmt.Fprintf(w, "%g\t%.2f\t%s\n", p.SNR, 100*p.Accuracy, p.Model)
			}
			return w.Flush()
		},
	}
	f := c.Flags()
	f.StringVar(&dataset, "dataset", "mnist", "dataset: mnist or fashion")
	f.StringVar(&model, "model", "he", "architecture: original (Model 2), he (Model 3) or he-wide")
	f.StringVar(&snrs, "snr", "0,5,10,15,20,25", "comma-separated SNRs in dB (Es/N0 per complex symbol)")
	f.IntVar(&trials, "trials", 3, "noise realisations per SNR")
	f.Uint64Var(&seed, "seed", 1, "noise seed")
	f.IntVar(&limit, "limit", 0, "use only the first N test images (0: all 10000)")
	f.BoolVar(&perSNR, "per-snr", false, "use the model trained at each SNR instead of the SNR-agnostic one")
	f.StringVar(&file, "file", "", "evaluate this model file instead of an embedded model")
	f.BoolVar(&list, "list", false, "list the embedded pretrained models and exit")
	f.BoolVar(&asJSON, "json", false, "print one JSON object on stdout")
	return c
}
