package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hesemcom/hesemcom/app/he"
	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/phy/frame"
	"github.com/hesemcom/hesemcom/phy/jscc"
	"github.com/hesemcom/hesemcom/sim"
	"github.com/hesemcom/hesemcom/sim/link"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// newTransportCmd is issue 9's command: how Model 4's encrypted features
// cross the channel (slot vs digital) and what the digital transport costs.
func newTransportCmd(g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "transport",
		Short: "Model 4 transports of the encrypted features: ciphertext compression and the slot/digital comparison",
	}
	c.AddCommand(newTransportBitsCmd(), newTransportTableCmd(), newTransportReplayCmd())
	return c
}

func newTransportBitsCmd() *cobra.Command {
	var (
		dataset, bitsList string
		images, from      int
		degree2, asJSON   bool
		snr               float64
	)
	c := &cobra.Command{
		Use:   "bits",
		Short: "accuracy vs bits kept per ciphertext coefficient after modulus switching (no channel noise)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := source.ParseName(dataset)
			if err != nil {
				return usageError{err}
			}
			bits, err := parseIntList(bitsList)
			if err != nil {
				return usageError{fmt.Errorf("--bits: %w", err)}
			}
			for _, v := range bits {
				if v < 2 || v > 63 {
					return usageError{fmt.Errorf("--bits: %d out of range [2, 63]", v)}
				}
			}
			if images < 1 || images > 4096 || from < 0 || from+images > 10000 {
				return usageError{fmt.Errorf("--images %d --from %d: want one batch (≤ 4096) inside the 10000 test images", images, from)}
			}
			ds, err := source.LoadTest(name)
			if err != nil {
				return err
			}
			s := units.DB(snr)
			m, err := link.Pretrained(link.PerSNR)(string(name), jscc.HE, s)
			if err != nil {
				return err
			}
			rep, err := link.CompressionSweep(cmd.Context(), link.BitsConfig{Model: m, Dataset: ds, From: from, Images: images, Bits: bits, Degree2: degree2})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), rep)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "%s, %d images, log2(Q/Δ) = %.1f\n", rep.Params, rep.Images, rep.LogHeadroom)
			fmt.Fprintf(w, "uncompressed (degree 2, full residues): accuracy %.4f, %.0f bits/image, %.0f bits/feature\n", rep.Accuracy, rep.WireBitsPerImage, rep.WireBitsPerFeature)
			fmt.Fprintln(w, "bits/coeff\tpolys\taccuracy\t95% CI\tagree\tbits/image\tbits/feature\ts")
			for _, r := range rep.Rows {
				fmt.Fprintf(w, "%d\t%d\t%.4f\t[%.4f, %.4f]\t%d/%d\t%.0f\t%.0f\t%.2f\n", r.Bits, r.Polys, r.Accuracy, r.CI95[0], r.CI95[1], r.Agreement, rep.Images, r.BitsPerImage, r.BitsPerFeature, r.Seconds)
			}
			return w.Flush()
		},
	}
	f := c.Flags()
	f.StringVar(&dataset, "dataset", "mnist", "dataset: mnist or fashion")
	f.StringVar(&bitsList, "bits", "40,44,48,50,52,54,56,58,60", "bits per coefficient to try (list)")
	f.IntVar(&images, "images", 4096, "test images (one CKKS batch, ≤ 4096)")
	f.IntVar(&from, "from", 0, "first test image")
	f.BoolVar(&degree2, "degree2", false, "compress the degree-2 features (default: relinearise to degree 1 first)")
	f.Float64Var(&snr, "model-snr", 25, "pick the pretrained model trained at this SNR (dB)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func newTransportTableCmd() *cobra.Command {
	var (
		sc               link.Scenario
		snrs, transports string
		pcapPath, out    string
		sigmfBase        string
		asJSON, all      bool
	)
	sc = link.DefaultScenario()
	c := &cobra.Command{
		Use:   "table",
		Short: "accuracy vs SNR of Model 4 under each transport, with Models 2/3, and channel uses per image",
		Long: `table runs Models 2 and 3 and Model 4 under each --transport on the same
images and noise seeds and prints accuracy (95 % Wilson interval), channel uses
per image, IQ samples per image (iq level) and, for the digital transport,
frames lost and bits per coefficient (the hybrid transport's digital part). --pcap writes every frame of the
digital link to a pcap file (link type USER0), one worker; --sigmf records the
digital link's received IQ for 'transport replay'.

The hybrid transport sends c1 fully digital and the low --analog-bits of c0 as
analog amplitudes. A sparse secret, which would let c1 go hybrid too, is not
offered: its security cannot be checked here (the HE Standard's tables cover
uniform ternary secrets, not sparse ones, and sparse secrets are what the hybrid
lattice attack exploits).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if sc.SNRs, err = parseFloatList(snrs); err != nil {
				return usageError{fmt.Errorf("--snr: %w", err)}
			}
			dcfg, hcfg, iqcfg, err := sc.TransportOptions.Configs()
			if err != nil {
				return usageError{err}
			}
			var pts []sim.Point
			for _, tr := range strings.Split(transports, ",") {
				s := sc
				s.Transport = strings.TrimSpace(tr)
				s.Models = []string{link.Model4}
				if all && len(pts) == 0 {
					s.Models = []string{link.Model2, link.Model3, link.Model4}
				}
				sw, err := s.Sweep()
				if err != nil {
					return usageError{err}
				}
				pts = append(pts, sw.Points...)
			}
			sw, err := sc.Sweep()
			if err != nil {
				return usageError{err}
			}
			sw.Points = pts
			opts := sim.Options{Meta: map[string]string{"command": "transport table", "loss": dcfg.Loss.String()}}
			var rec *link.Recorder
			if sigmfBase != "" {
				if sc.Level != "iq" || len(sc.Datasets) != 1 || len(sc.Channels) != 1 || len(sc.SNRs) != 1 || !slices.Contains(strings.Split(transports, ","), "digital") {
					return usageError{errors.New("--sigmf records one digital point: --level iq, one --dataset, --channel and --snr, and digital among --transport")}
				}
				if iqcfg.PerfectCSI {
					return usageError{errors.New("--sigmf: a recording carries no channel state; replay needs the estimated channel (no --perfect-csi)")}
				}
				ch, err := link.ParseIQChannel(sc.Channels[0])
				if err != nil {
					return usageError{err}
				}
				hp := he.MustParams(he.PresetLogN13)
				if rec, err = link.NewRecorder(sigmfBase, link.Recording{HEParams: hp.String(), Dataset: sc.Datasets[0], Channel: ch.Name, SNR: sc.SNRs[0], Weights: link.PerSNR.String(), Digital: dcfg}); err != nil {
					return err
				}
				rec.Hook(&dcfg)
				opts.Workers = 1
			}
			if pcapPath != "" {
				fh, err := os.Create(pcapPath)
				if err != nil {
					return err
				}
				defer fh.Close()
				pw, err := frame.NewPcapWriter(fh, frame.PcapConfig{SampleRate: link.DefaultIQSampleRate})
				if err != nil {
					return err
				}
				var base int64
				last := int64(-1)
				dcfg.Capture = func(sample int64, data []byte) error {
					// Frames of successive batches continue the timeline.
					if sample <= last {
						base += last + 1
					}
					last = sample
					return pw.WriteFrame(base+sample, data)
				}
				opts.Workers = 1
			}
			update, finish := newProgress(cmd.ErrOrStderr(), "transport")
			opts.Progress = update
			res, err := sim.Run(cmd.Context(), sw, link.NewFactory(link.Config{
				Models:  link.Pretrained(link.PerSNR),
				IQ:      iqcfg,
				Digital: dcfg,
				Hybrid:  hcfg,
			}), opts)
			finish()
			if err != nil {
				return err
			}
			if rec != nil {
				r, err := rec.Close()
				if err != nil {
					return err
				}
				if !asJSON {
					fmt.Fprintf(cmd.ErrOrStderr(), "recorded %d batches to %s (.sigmf-meta, .sigmf-data, %s, %s: the secret key, mode 0600)\n", len(r.Batches), sigmfBase, link.RecordingExt, link.KeyExt)
				}
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
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "point\taccuracy\t95% CI\tuses/image\tIQ samples/image\tframes lost\tretransmissions\tbits/coeff")
			for _, p := range res.Points {
				x := p.Counts.Extra
				n := max(p.Counts.Items, 1)
				lost, retx, bpc := "", "", ""
				if x[link.XFrames] > 0 {
					lost = fmt.Sprintf("%d/%d", x[link.XFramesLost], x[link.XFrames])
					retx = strconv.FormatInt(x[link.XRetransmit], 10)
					bpc = strconv.FormatInt(x[link.XPayloadBits]/max(x[link.XCoefficients], 1), 10)
				}
				iqs := ""
				if x[link.XIQSamples] > 0 {
					iqs = fmt.Sprintf("%.0f", float64(x[link.XIQSamples])/float64(n))
				}
				fmt.Fprintf(w, "%s\t%.4f\t[%.4f, %.4f]\t%.0f\t%s\t%s\t%s\t%s\n", p.Point, p.Accuracy, p.CI95[0], p.CI95[1], float64(x[link.XChannelUses])/float64(n), iqs, lost, retx, bpc)
			}
			return w.Flush()
		},
	}
	f := c.Flags()
	sc.Datasets, sc.Images, sc.Realisations = []string{"mnist"}, 4096, 1
	f.StringSliceVar(&sc.Datasets, "dataset", sc.Datasets, "datasets: mnist, fashion")
	f.StringVar(&snrs, "snr", "0,5,10,15,20,25", "SNRs in dB (Es/N0 per complex symbol / data subcarrier): a list, or lo:hi:step")
	f.StringSliceVar(&sc.Channels, "channel", sc.Channels, "channels: awgn, rayleigh, rician-K<k>; at --level iq also tdl-a|b|c[-ds<ns>ns][-fd<Hz>]")
	f.StringVar(&transports, "transport", "slot,digital,hybrid", "Model 4 transports: slot, digital, hybrid (list)")
	f.StringVar(&sc.Level, "level", "symbol", "simulation level: symbol or iq")
	f.IntVar(&sc.Images, "images", sc.Images, "test images per point (≤ 10000; CKKS batches hold 4096)")
	f.Uint64Var(&sc.Seed, "seed", sc.Seed, "run seed")
	f.BoolVar(&all, "plaintext", true, "also run the plaintext Models 2 and 3 (channel uses for comparison)")
	addTransportFlags(f, &sc.TransportOptions)
	f.StringVar(&pcapPath, "pcap", "", "digital: write every frame to this pcap file (one worker)")
	f.StringVar(&sigmfBase, "sigmf", "", "digital, iq level: record the received IQ of every frame to BASE.sigmf-{meta,data}, with BASE"+link.RecordingExt+" and the secret key BASE"+link.KeyExt+" for 'transport replay' (one point, one worker)")
	f.StringVar(&out, "out", "", "directory for result.json, results.csv, table.md and plots")
	f.BoolVar(&asJSON, "json", false, "print the result as one JSON object")
	return c
}

func newTransportReplayCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "replay BASE",
		Short: "run the encrypted link's receiver over a recording made with 'transport table --sigmf BASE'",
		Long: `replay reads BASE.sigmf-meta/-data (the received IQ of every frame of the
digital transport), BASE` + link.RecordingExt + ` (the link's settings, the batches and the live
run's decisions) and BASE` + link.KeyExt + ` (the receiver's secret key), demodulates each frame
with the estimated channel, decodes, lifts the ciphertexts, evaluates the FC layer
and decrypts, and reports accuracy, frames lost and how many decisions equal the
live run's.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := link.ReplayDigital(cmd.Context(), link.Config{}, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d images: accuracy %.4f, %d/%d frames lost, %d retransmissions, %d/%d decisions as in the live run\n",
				res.Images, res.Accuracy, res.FramesLost, res.Frames, res.Retransmissions, res.Agree, res.Images)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object (with every decision)")
	return c
}

// addTransportFlags registers the flags of link.TransportOptions, the same
// names in sweep and transport table.
func addTransportFlags(f *pflag.FlagSet, o *link.TransportOptions) {
	f.IntVar(&o.Bits, "bits", o.Bits, fmt.Sprintf("digital, hybrid: bits per ciphertext coefficient after modulus switching (0: ⌈log2(Q/Δ)⌉ + %d)", link.DefaultDigitalMargin))
	f.BoolVar(&o.Degree2, "degree2", o.Degree2, "digital: send the degree-2 features (no relinearisation)")
	f.IntVar(&o.Qm, "qm", o.Qm, "digital, hybrid: modulation order of the frames, 2, 4, 6, 8 (0: 4, 16-QAM)")
	f.Float64Var(&o.Rate, "rate", o.Rate, "digital, hybrid: LDPC code rate (0: 1/2)")
	f.IntVar(&o.FrameBytes, "frame-bytes", o.FrameBytes, "digital, hybrid: payload bytes per frame (0: 1024)")
	f.IntVar(&o.HARQ, "harq", o.HARQ, fmt.Sprintf("digital, hybrid: most transmissions of a frame, hybrid ARQ with incremental redundancy over ideal feedback, ≤ %d (0: 1, no retransmission)", link.MaxHARQ))
	f.StringVar(&o.Loss, "loss", "batch", "digital, hybrid: a lost frame loses its batch (batch) or zeroes the features it carried (erase)")
	f.IntVar(&o.AnalogBits, "analog-bits", o.AnalogBits, fmt.Sprintf("hybrid: low bits of each c0 coefficient sent as analog amplitudes, 1-16 (0: %d)", link.DefaultAnalogBits))
	f.Float64Var(&o.AnalogPowerDB, "analog-power", o.AnalogPowerDB, "hybrid: energy per channel use of the analog part relative to the digital part, dB, at equal total energy (0: equal)")
	f.BoolVar(&o.PerfectCSI, "perfect-csi", o.PerfectCSI, "iq level: give the receiver the true channel instead of its pilot estimate")
}

// parseIntList parses "a,b,c".
func parseIntList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
