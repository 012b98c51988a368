package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/app/codec"
	"github.com/hesemcom/hesemcom/app/nea"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/modem/qam"
	"github.com/hesemcom/hesemcom/phy/classifier"
	"github.com/hesemcom/hesemcom/sim"
	"github.com/hesemcom/hesemcom/sim/link"
)

// classicalPoint is one SNR of 'hesemcom classical'.
type classicalPoint struct {
	SNR            float64          `json:"snr_db"`
	Accuracy       float64          `json:"accuracy"`
	CI95           [2]float64       `json:"ci95"`
	Paper          *float64         `json:"paper_accuracy,omitempty"` // Table III, fraction
	MCS            link.MCS         `json:"mcs"`
	Modulation     string           `json:"modulation"`
	UsesPerImage   float64          `json:"channel_uses_per_image"`
	BudgetBytes    int              `json:"payload_budget_bytes"`
	TBBits         int              `json:"tb_bits"`
	MeanPayload    float64          `json:"mean_payload_bytes"`
	Counts         map[string]int64 `json:"breakdown"`
	DamagedPSNR    *float64         `json:"damaged_psnr_db,omitempty"` // best effort: PSNR of the mean MSE of damaged reconstructions vs clean
	PlainPerCipher *float64         `json:"plain_errors_per_cipher_error,omitempty"`
	SecondsPerItem float64          `json:"seconds_per_image"`
}

type classicalOut struct {
	Dataset      string               `json:"dataset"`
	Channel      string               `json:"channel"`
	Policy       string               `json:"policy"`
	Oracle       bool                 `json:"oracle"`
	Codec        string               `json:"codec"`
	Classifier   string               `json:"classifier"`
	CleanAcc     float64              `json:"classifier_clean_accuracy"`
	Images       int                  `json:"images"`
	Realisations int                  `json:"realisations"`
	Seed         uint64               `json:"seed"`
	Points       []classicalPoint     `json:"points"`
	Avalanche    map[string]any       `json:"avalanche"`
	Seconds      float64              `json:"seconds"`
	PerImage     float64              `json:"seconds_per_image"` // wall time / (images × SNRs × realisations)
	PaperPerImg  float64              `json:"paper_seconds_per_image"`
	Config       link.ClassicalConfig `json:"config"`
}

// newClassicalCmd runs Model 1, the classical secure link.
func newClassicalCmd(_ *globalFlags) *cobra.Command {
	var (
		dataset, snrs, mod, policy, codecKind, channel, clfFile string
		images, realisations, uses, iters, oracleTrials         int
		rate                                                    float64
		oracle, asJSON                                          bool
		seed                                                    uint64
	)
	c := &cobra.Command{
		Use:   "classical",
		Short: "Model 1: JPEG 2000 → 128-NEA2/NIA2 → 5G LDPC → QAM → channel → residual CNN, accuracy vs SNR",
		Long: `classical runs the classical secure link of Table III (Model 1) on the embedded
test set: each image is coded by JPEG 2000 (OpenJPEG; JPEG when it is missing) into
at most the payload the transport block leaves, protected by 128-NIA2 and ciphered
by 128-NEA2 (COUNT = image index), CRC-attached, LDPC-coded and rate-matched
(TS 38.212 §7.2), QAM-modulated into --uses complex channel uses per image (98 =
the JSCC models' bandwidth), sent over the channel at each SNR (Es/N0 per complex
symbol), demapped, decoded, checked, deciphered, decoded and classified by the
receiver's residual CNN. --oracle picks per SNR the highest MCS of TS 38.214 Table
5.1.3.1-2 whose block error rate is ≤ 10 %; otherwise --mod and --rate fix it.
--policy drop guesses a uniform class for a block failing its CRC or MAC check;
best-effort decodes whatever arrives. Prints accuracy, channel uses per image,
the failure breakdown and time per image, plus the error propagation of NEA2 (CTR)
and AES-CBC.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := source.ParseName(dataset)
			if err != nil {
				return usageError{err}
			}
			snrList, err := parseFloatList(snrs)
			if err != nil {
				return usageError{fmt.Errorf("--snr: %w", err)}
			}
			var cc link.ClassicalConfig
			if cc.Modulation, err = qam.ParseScheme(mod); err != nil {
				return usageError{err}
			}
			if cc.Policy, err = link.ParseFailurePolicy(policy); err != nil {
				return usageError{err}
			}
			if err := cc.Codec.Kind.UnmarshalText([]byte(codecKind)); err != nil {
				return usageError{err}
			}
			cc.Rate, cc.Fixed, cc.Uses, cc.Iterations, cc.OracleTrials = rate, !oracle, uses, iters, oracleTrials
			if err := cc.Check(); err != nil {
				return usageError{err}
			}
			if images < 1 || images > 10000 || realisations < 1 {
				return usageError{fmt.Errorf("--images must be in [1, 10000] and --realisations ≥ 1")}
			}
			ch, err := link.ParseChannel(channel)
			if err != nil {
				return usageError{err}
			}
			clfName := "embedded " + name.String()
			var clf *classifier.Model
			if clfFile != "" {
				f, err := os.Open(clfFile)
				if err != nil {
					return usageError{err}
				}
				clf, err = classifier.Read(f)
				f.Close()
				if err != nil {
					return usageError{fmt.Errorf("--classifier: %w", err)}
				}
				clfName = clfFile
			} else if clf, err = classifier.Pretrained(name.String()); err != nil {
				return err
			}
			cc.Classifiers = func(string) (*classifier.Model, error) { return clf, nil }
			cd, err := codec.New(cc.Codec)
			if err != nil {
				return usageError{err}
			}
			if n := cd.Notice(); n != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "hesemcom: notice:", n)
			}
			var pts []sim.Point
			for _, s := range snrList {
				pts = append(pts, sim.Point{Dataset: name.String(), Model: link.Model1, Channel: ch.Name, SNR: s, Level: "symbol"})
			}
			sw := sim.Sweep{Points: pts, Items: images, Realisations: realisations, Seed: seed}
			update, finish := newProgress(cmd.ErrOrStderr(), "classical")
			start := time.Now()
			res, err := sim.Run(cmd.Context(), sw, link.NewFactory(link.Config{Classical: cc}), sim.Options{Progress: update, Meta: map[string]string{"command": "classical"}})
			finish()
			if err != nil {
				return err
			}
			elapsed := time.Since(start).Seconds()
			out := classicalOut{Dataset: name.String(), Channel: ch.Name, Policy: cc.Policy.String(), Oracle: oracle,
				Codec: cd.Config().Kind.String(), Classifier: clfName, CleanAcc: clf.Meta.TestAcc, Images: images,
				Realisations: realisations, Seed: seed, Seconds: elapsed,
				PerImage:    elapsed / float64(images*realisations*len(snrList)),
				PaperPerImg: sim.PaperSecondsPerImage[name.String()][link.Model1], Config: cc}
			var cipherErrs, plainErrs int64
			maxPDU := 0
			for _, pr := range res.Points {
				x := pr.Counts.Extra
				mcs, budget, tb, err := link.ClassicalMCS(cc, ch.Name, pr.Point.SNR, seed)
				if err != nil {
					return err
				}
				maxPDU = max(maxPDU, tb/8)
				p := classicalPoint{SNR: pr.Point.SNR, Accuracy: pr.Accuracy, CI95: pr.CI95, MCS: mcs,
					Modulation: mcs.String(), BudgetBytes: budget, TBBits: tb, Counts: x, SecondsPerItem: pr.SecondsPerItem}
				if v, ok := sim.PaperAccuracy(pr.Point); ok {
					v /= 100
					p.Paper = &v
				}
				items := float64(pr.Counts.Items)
				p.UsesPerImage = float64(x[link.XChannelUses]) / items
				if sent := items - float64(x[link.XSourceFails]); sent > 0 {
					p.MeanPayload = float64(x[link.XPayloadBytes]) / sent
				}
				if px := x[link.XDamagedPx]; px > 0 {
					v := 10 * math.Log10(255*255/(float64(x[link.XDamagedSSE])/float64(px)))
					if math.IsInf(v, 1) {
						v = codec.MaxPSNR
					}
					p.DamagedPSNR = &v
				}
				if ce := x[link.XCipherErrs]; ce > 0 {
					v := float64(x[link.XPlainErrs]) / float64(ce)
					p.PlainPerCipher = &v
				}
				cipherErrs += x[link.XCipherErrs]
				plainErrs += x[link.XPlainErrs]
				out.Points = append(out.Points, p)
			}
			// Error propagation: measured in the link for NEA2, and for both
			// modes on messages of the largest PDU, one flipped bit each.
			msg := max(16, (maxPDU/16)*16)
			r := rand.New(rand.NewPCG(seed, 0x6176616c)) // "aval"
			ctr, err := nea.ErrorPropagation(nea.CTR, msg, 1, 500, r)
			if err != nil {
				return err
			}
			cbc, err := nea.ErrorPropagation(nea.CBC, msg, 1, 500, r)
			if err != nil {
				return err
			}
			out.Avalanche = map[string]any{"nea2_ctr": ctr, "aes_cbc": cbc,
				"link_cipher_bit_errors": cipherErrs, "link_plain_bit_errors": plainErrs}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), out)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Model 1 on %s (%d images × %d realisations), %s, policy %s, codec %s, classifier %s (clean accuracy %.2f %%)\n",
				name, images, realisations, ch.Name, out.Policy, out.Codec, clfName, 100*clf.Meta.TestAcc)
			fmt.Fprintf(w, "%6s %9s %8s %-18s %5s %7s %7s %6s %6s %6s %6s %6s %6s %9s\n",
				"SNR", "accuracy", "paper", "MCS", "uses", "budget", "payload", "srcF", "ldpcE", "crcF", "macF", "undec", "dmgd", "s/image")
			for _, p := range out.Points {
				paper := "-"
				if p.Paper != nil {
					paper = fmt.Sprintf("%.2f%%", 100**p.Paper)
				}
				x := p.Counts
				fmt.Fprintf(w, "%4gdB %8.2f%% %8s %-18s %5.0f %7d %7.1f %6d %6d %6d %6d %6d %6d %9.4f\n",
					p.SNR, 100*p.Accuracy, paper, p.Modulation, p.UsesPerImage, p.BudgetBytes, p.MeanPayload,
					x[link.XSourceFails], x[link.XLDPCErrors], x[link.XCRCFails], x[link.XMACFails], x[link.XUndecodable], x[link.XDamaged], p.SecondsPerItem)
			}
			var parts []string
			if cipherErrs > 0 {
				parts = append(parts, fmt.Sprintf("link NEA2: %.3f plaintext bit errors per ciphertext bit error (%d)", float64(plainErrs)/float64(cipherErrs), cipherErrs))
			}
			parts = append(parts, fmt.Sprintf("NEA2 (CTR) %.3f, AES-CBC %.2f per flipped bit on %d-byte messages", ctr.PerCipherError, cbc.PerCipherError, msg))
			fmt.Fprintf(w, "avalanche: %s\n", strings.Join(parts, "; "))
			fmt.Fprintf(w, "time: %.1f s, %.4f s per image per SNR (paper's Model 1: %.4f s)\n", elapsed, out.PerImage, out.PaperPerImg)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&dataset, "dataset", "mnist", "dataset: mnist or fashion")
	f.StringVar(&snrs, "snr", "0,5,10,15,20,25", "SNRs in dB (Es/N0 per complex symbol): a list, or lo:hi:step")
	f.IntVar(&images, "images", 1000, "test images per SNR (≤ 10000)")
	f.IntVar(&realisations, "realisations", 1, "noise realisations per SNR")
	f.StringVar(&mod, "mod", "16qam", "modulation without --oracle: qpsk, 16qam, 64qam, 256qam")
	f.Float64Var(&rate, "rate", 0.5, "target code rate without --oracle")
	f.BoolVar(&oracle, "oracle", false, "pick per SNR the highest MCS (TS 38.214 Table 5.1.3.1-2) with block error rate ≤ 10 %")
	f.IntVar(&oracleTrials, "oracle-trials", link.DefaultOracleTrials, "transport blocks the oracle simulates per MCS and SNR")
	f.StringVar(&policy, "policy", "drop", "on CRC or MAC failure: drop (uniform random guess) or best-effort (decode what arrived)")
	f.IntVar(&uses, "uses", link.DefaultUses, "complex channel uses per image (98 = Table III's 25 % bandwidth)")
	f.IntVar(&iters, "iterations", link.DefaultIterations, "LDPC decoder iterations (normalised min-sum)")
	f.StringVar(&codecKind, "codec", "auto", "source codec: auto (JPEG 2000 if OpenJPEG is installed), j2k, jpeg")
	f.StringVar(&channel, "channel", "awgn", "channel: awgn, rayleigh, rician-K<k> (perfect CSI, zero forcing)")
	f.StringVar(&clfFile, "classifier", "", "classifier model file (default: the embedded one for --dataset)")
	f.Uint64Var(&seed, "seed", 1, "run seed (noise, keys, oracle)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}
