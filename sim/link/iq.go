package link

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/hesemcom/hesemcom/internal/units"
	"github.com/hesemcom/hesemcom/modem/ofdm"
	"github.com/hesemcom/hesemcom/phy/channel"
	"github.com/hesemcom/hesemcom/phy/jscc"
	"github.com/hesemcom/hesemcom/sim"
)

// The iq level (Point.Level "iq"): each image's 98 complex JSCC symbols go on
// the data subcarriers of their own OFDM frame, the frame's IQ samples cross
// the channel at the sample level (fading and multipath, then AWGN), and the
// receiver demodulates with its estimate of the channel (LS at the comb
// pilots, linear interpolation, ZF or MMSE). The equalised symbols minus the
// sent ones are the item's effective noise: the plaintext models add it to
// their features, and Model 4's slot transport adds exactly the same values
// homomorphically, so Models 3 and 4 still compare image by image.
//
// SNR: Es/N0 per data subcarrier. The time-domain noise variance is
// Grid.TimeN0(units.N0(snr)), which undoes the OFDM guard-band gain A/N, so a
// unit-power symbol on a subcarrier sees noise variance N0 exactly as at the
// symbol level (DESIGN.md §3), and the two levels are comparable.

// DefaultIQOFDM is the iq level's numerology: FFT 128 with a 16-sample cyclic
// prefix (1/8, covering TDL-C at a 300 ns delay spread: 8.65·DS = 2.6 µs ≈ 10
// samples at 3.84 MHz, TR 38.901 Table 7.7.2-3), 68 active subcarriers with a
// pilot every 4th and on the last (18 pilots, 50 data), so one image's 98
// symbols fill two OFDM symbols with two zero-power pads. The equaliser is
// ZF: unbiased like the symbol level's and right for the digital transport's
// QAM LLRs. MMSE (Equalizer: ofdm.MMSE) serves the JSCC better at low SNR:
// MNIST Model 3, AWGN, 2000 images, pilot estimates: 0 dB 69.5 % (ZF) vs
// 74.9 % (MMSE), 5 dB 85.1 % vs 86.5 %; with perfect CSI 81.3 % at 0 dB, as
// at the symbol level (81.7 %): the gap is the LS channel estimate.
var DefaultIQOFDM = ofdm.Config{FFTSize: 128, CPLen: 16, Active: 68, PilotSpacing: 4, Equalizer: ofdm.ZF}

// DefaultIQSampleRate is 128 subcarriers at 30 kHz spacing (TS 38.211 §4.2,
// numerology μ = 1): 3.84 MHz. It scales TDL delays and Doppler in Hz.
const DefaultIQSampleRate = 3.84e6

// IQConfig configures the iq level. Zero fields take the defaults.
type IQConfig struct {
	// OFDM is the numerology; the zero value means DefaultIQOFDM.
	// TimeAverage is set by the link: the frame's OFDM symbols are averaged
	// for block-fading channels, not for Doppler ones.
	OFDM ofdm.Config `json:"ofdm"`
	// SampleRate in Hz; zero means DefaultIQSampleRate.
	SampleRate float64 `json:"sample_rate"`
	// PerfectCSI gives the receiver the true channel instead of its pilot
	// estimate (a bound, not a receiver).
	PerfectCSI bool `json:"perfect_csi"`
}

func (c IQConfig) withDefaults() IQConfig {
	if c.OFDM == (ofdm.Config{}) {
		c.OFDM = DefaultIQOFDM
	}
	if c.SampleRate == 0 {
		c.SampleRate = DefaultIQSampleRate
	}
	return c
}

// IQChannel is a sample-level channel of the iq level.
type IQChannel struct {
	// Name is the canonical spelling, as in Point.Channel.
	Name string
	// Kind is "awgn", "flat" (Rayleigh or Rician) or "tdl".
	Kind string
	// K is the Rician K factor of flat fading (0: Rayleigh).
	K float64
	// Profile is the TDL profile; DelaySpread its RMS delay spread in s.
	Profile     channel.Profile
	DelaySpread float64
	// Doppler is the maximum Doppler shift in Hz; 0 is block fading over
	// each image's frame.
	Doppler float64
}

// ParseIQChannel parses an iq-level channel: "awgn", "rayleigh",
// "rician-K<k>", "tdl-a", "tdl-b", "tdl-c", optionally followed by
// "-ds<ns>ns" (TDL delay spread, default 100 ns) and "-fd<Hz>" (maximum
// Doppler, default 0: block fading per image), e.g. "tdl-a-ds300ns-fd100".
func ParseIQChannel(s string) (IQChannel, error) {
	bad := func(why string) (IQChannel, error) {
		return IQChannel{}, fmt.Errorf("link: iq channel %q: %s (awgn, rayleigh, rician-K<k>, tdl-a|b|c, with -ds<ns>ns and -fd<Hz>)", s, why)
	}
	tok := strings.Split(strings.ToLower(strings.TrimSpace(s)), "-")
	var c IQChannel
	switch tok[0] {
	case "awgn":
		c.Kind, tok = "awgn", tok[1:]
	case "rayleigh":
		c.Kind, tok = "flat", tok[1:]
	case "rician":
		c.Kind, c.K, tok = "flat", 4, tok[1:]
		if len(tok) > 0 && strings.HasPrefix(tok[0], "k") {
			k, err := strconv.ParseFloat(tok[0][1:], 64)
			if err != nil || !(k >= 0) || math.IsInf(k, 0) {
				return bad("want a finite K ≥ 0")
			}
			c.K, tok = k, tok[1:]
		}
	case "tdl":
		if len(tok) < 2 {
			return bad("want tdl-a, tdl-b or tdl-c")
		}
		if err := c.Profile.UnmarshalText([]byte(tok[1])); err != nil {
			return bad("unknown TDL profile")
		}
		c.Kind, c.DelaySpread, tok = "tdl", channel.DefaultDelaySpread, tok[2:]
	default:
		return bad("unknown channel")
	}
	for _, t := range tok {
		switch {
		case c.Kind == "tdl" && strings.HasPrefix(t, "ds") && strings.HasSuffix(t, "ns"):
			ns, err := strconv.ParseFloat(t[2:len(t)-2], 64)
			if err != nil || !(ns > 0 && ns <= 10000) {
				return bad("delay spread must be in (0, 10000] ns")
			}
			c.DelaySpread = ns / 1e9
		case c.Kind != "awgn" && strings.HasPrefix(t, "fd"):
			fd, err := strconv.ParseFloat(t[2:], 64)
			if err != nil || !(fd >= 0 && fd <= 1e5) {
				return bad("Doppler must be in [0, 100000] Hz")
			}
			c.Doppler = fd
		default:
			return bad(fmt.Sprintf("unexpected %q", t))
		}
	}
	switch c.Kind {
	case "awgn":
		c.Name = "awgn"
	case "flat":
		c.Name = "rayleigh"
		if c.K > 0 {
			c.Name = "rician-K" + strconv.FormatFloat(c.K, 'g', -1, 64)
		}
	case "tdl":
		c.Name = c.Profile.String()
		if ns := math.Round(c.DelaySpread*1e12) / 1e3; ns != channel.DefaultDelaySpread*1e9 {
			c.Name += "-ds" + strconv.FormatFloat(ns, 'g', -1, 64) + "ns"
		}
	}
	if c.Doppler > 0 {
		c.Name += "-fd" + strconv.FormatFloat(c.Doppler, 'g', -1, 64)
	}
	return c, nil
}

// iqModem carries one image's symbols over one iq channel: a per-worker
// object holding the modem and its buffers (not safe for concurrent use).
type iqModem struct {
	cfg  IQConfig
	ch   IQChannel
	grid *ofdm.Grid
	mod  *ofdm.Modulator
	dem  *ofdm.Demodulator

	x, tx, rx, xh, ys, h []complex64
	nv, nvs              []float32
	// record, if set, receives each frame's samples after the channel
	// (the IQ recording hook).
	record func(rx []complex64) error
}

func newIQModem(cfg IQConfig, ch IQChannel) (*iqModem, error) {
	cfg = cfg.withDefaults()
	oc := cfg.OFDM
	oc.TimeAverage = 0 // per OFDM symbol: the channel may move
	g, err := ofdm.New(oc)
	if err != nil {
		return nil, fmt.Errorf("link: iq numerology: %w", err)
	}
	if ch.Doppler == 0 {
		// Block fading over the image's frame: average its pilots.
		oc.TimeAverage = (DefaultUses + g.DataCarriers() - 1) / g.DataCarriers()
		if g, err = ofdm.New(oc); err != nil {
			return nil, fmt.Errorf("link: iq numerology: %w", err)
		}
	}
	if !(cfg.SampleRate > 0) || math.IsInf(cfg.SampleRate, 0) {
		return nil, fmt.Errorf("link: iq sample rate %v Hz must be positive", cfg.SampleRate)
	}
	if ch.Doppler/cfg.SampleRate > 0.5 {
		return nil, fmt.Errorf("link: Doppler %v Hz exceeds half the sample rate", ch.Doppler)
	}
	return &iqModem{cfg: cfg, ch: ch, grid: g, mod: g.Modulator(), dem: g.Demodulator()}, nil
}

// symbols returns the OFDM symbols that carry n data symbols.
func (q *iqModem) symbols(n int) int {
	d := q.grid.DataCarriers()
	return (n + d - 1) / d
}

// Samples returns the IQ samples of one frame carrying n complex symbols.
func (q *iqModem) Samples(n int) int { return q.symbols(n) * q.grid.SymbolLen() }

// Send passes the complex symbols x through the modem and the channel at
// Es/N0 snr per data subcarrier, drawing every random quantity from r, and
// returns the equalised received symbols (len(x), valid until the next call).
func (q *iqModem) Send(x []complex64, snr units.DB, r *rand.Rand) ([]complex64, error) {
	y, _, err := q.send(x, snr, r, false)
	return y, err
}

// SendCSI is Send that also returns each symbol's effective noise variance
// after equalisation (the input of soft demapping).
func (q *iqModem) SendCSI(x []complex64, snr units.DB, r *rand.Rand) ([]complex64, []float32, error) {
	return q.send(x, snr, r, true)
}

func (q *iqModem) send(x []complex64, snr units.DB, r *rand.Rand, csi bool) ([]complex64, []float32, error) {
	var err error
	if q.tx, err = q.modulate(q.tx, x); err != nil {
		return nil, nil, err
	}
	q.rx = growC(q.rx, len(q.tx))
	if err := q.impair(q.rx, q.tx, snr, r); err != nil {
		return nil, nil, err
	}
	if q.record != nil {
		if err := q.record(q.rx); err != nil {
			return nil, nil, err
		}
	}
	return q.receive(q.rx, len(x), snr, csi)
}

// modulate puts the complex symbols x on the data subcarriers of one frame
// (zero-power pads up to whole OFDM symbols) and returns its IQ samples,
// reusing dst. Send's first step; the streaming link runs the steps as
// blocks of their own.
func (q *iqModem) modulate(dst, x []complex64) ([]complex64, error) {
	nsym := q.symbols(len(x))
	d := q.grid.DataCarriers()
	q.x = growC(q.x, nsym*d)
	copy(q.x, x)
	clear(q.x[len(x):]) // zero-power pads
	return q.mod.Modulate(dst[:0], q.x)
}

// impair passes one frame's samples tx through the channel (fading and
// multipath, then AWGN at Es/N0 snr per data subcarrier) into rx (len(tx)),
// drawing every random quantity from r. With perfect CSI it leaves the
// channel of each OFDM symbol in q.h for receive.
func (q *iqModem) impair(rx, tx []complex64, snr units.DB, r *rand.Rand) error {
	sl := q.grid.SymbolLen()
	nfft := q.grid.FFTSize()
	nsym := len(tx) / sl
	if len(rx) != len(tx) || len(tx) != nsym*sl {
		return fmt.Errorf("link: %d → %d samples, want equal whole OFDM symbols of %d", len(tx), len(rx), sl)
	}
	if q.cfg.PerfectCSI {
		q.h = growC(q.h, nsym*nfft)
	}
	fd := q.ch.Doppler / q.cfg.SampleRate
	switch q.ch.Kind {
	case "awgn":
		copy(rx, tx)
		for k := range q.h {
			q.h[k] = 1
		}
	case "flat":
		f, err := channel.NewFlat(channel.FlatConfig{K: q.ch.K, Doppler: fd, BlockLen: len(tx)}, r)
		if err != nil {
			return err
		}
		if _, err := f.Apply(rx, tx); err != nil {
			return err
		}
		if q.cfg.PerfectCSI {
			// The mean gain over each OFDM symbol's FFT window.
			g := f.Gains()
			for s := range nsym {
				var m complex64
				for _, v := range g[s*sl+sl-nfft : (s+1)*sl] {
					m += v
				}
				m /= complex(float32(nfft), 0)
				for k := range nfft {
					q.h[s*nfft+k] = m
				}
			}
		}
	case "tdl":
		t, err := channel.NewTDL(channel.TDLConfig{Profile: q.ch.Profile, DelaySpread: q.ch.DelaySpread, SampleRate: q.cfg.SampleRate, Doppler: fd}, r)
		if err != nil {
			return err
		}
		if t.MaxDelay() > q.grid.Config().CPLen {
			return fmt.Errorf("link: %s spans %d samples, longer than the %d-sample cyclic prefix", q.ch.Name, t.MaxDelay(), q.grid.Config().CPLen)
		}
		// Symbol by symbol, so a coherent receiver's CSI can be read after each.
		for s := range nsym {
			if _, err := t.Apply(rx[s*sl:(s+1)*sl], tx[s*sl:(s+1)*sl]); err != nil {
				return err
			}
			if q.cfg.PerfectCSI {
				t.FrequencyResponse(q.h[s*nfft:(s+1)*nfft], nfft)
			}
		}
	default:
		return fmt.Errorf("link: iq channel kind %q", q.ch.Kind)
	}
	n0 := q.grid.TimeN0(units.N0(snr))
	_, err := channel.NewAWGN(r).Apply(rx, rx, n0)
	return err
}

// receive demodulates the received samples rx of one frame carrying n
// symbols at Es/N0 snr (for MMSE and the noise variances). With perfect CSI
// it uses the channel of the last transmission.
func (q *iqModem) receive(rx []complex64, n int, snr units.DB, csi bool) ([]complex64, []float32, error) {
	nsym := q.symbols(n)
	d := q.grid.DataCarriers()
	sl := q.grid.SymbolLen()
	nfft := q.grid.FFTSize()
	if len(rx) != nsym*sl {
		return nil, nil, fmt.Errorf("link: %d received samples, want %d for %d symbols", len(rx), nsym*sl, n)
	}
	q.dem.N0 = q.grid.TimeN0(units.N0(snr))
	var err error
	demod := func(dst []complex64, nv []float32, src []complex64) ([]complex64, []float32, error) {
		if csi {
			return q.dem.DemodulateCSI(dst, nv, src)
		}
		dst, err := q.dem.Demodulate(dst, src)
		return dst, nv, err
	}
	if !q.cfg.PerfectCSI {
		if err := q.dem.SetCSI(nil); err != nil {
			return nil, nil, err
		}
		if q.xh, q.nv, err = demod(q.xh[:0], q.nv[:0], rx); err != nil {
			return nil, nil, err
		}
		return q.xh[:n], q.nv[:min(len(q.nv), n)], nil
	}
	q.xh = growC(q.xh, nsym*d)
	if csi {
		q.nv = grow(q.nv, nsym*d)
	}
	for s := range nsym {
		if err := q.dem.SetCSI(q.h[s*nfft : (s+1)*nfft]); err != nil {
			return nil, nil, err
		}
		if q.ys, q.nvs, err = demod(q.ys[:0], q.nvs[:0], rx[s*sl:(s+1)*sl]); err != nil {
			return nil, nil, err
		}
		copy(q.xh[s*d:], q.ys)
		if csi {
			copy(q.nv[s*d:], q.nvs)
		}
	}
	return q.xh[:n], q.nv[:min(len(q.nv), n)], nil
}

// iqState is an evaluator's iq-level state: one modem per channel.
type iqState struct {
	modems map[string]*iqModem
	cur    *iqModem
	last   int // IQ samples of the last item sent
	sent   []float32
	x      []complex64
	noise  []float32
}

// channelFor parses a point's channel for its level and, at the iq level,
// selects the worker's modem for it. At the iq level the returned Channel
// only carries the name: the noise comes from the modem (effNoise).
func (e *evaluator) channelFor(p sim.Point) (Channel, error) {
	switch p.Level {
	case "", "symbol":
		if e.iq != nil {
			e.iq.cur = nil
		}
		return ParseChannel(p.Channel)
	case "iq":
	default:
		return Channel{}, fmt.Errorf("link: level %q: want symbol or iq", p.Level)
	}
	if p.Model == Model1 || strings.HasSuffix(p.Model, EveSuffix) {
		return Channel{}, fmt.Errorf("link: %s is not available at the iq level", p.Model)
	}
	ic, err := ParseIQChannel(p.Channel)
	if err != nil {
		return Channel{}, err
	}
	if e.iq == nil {
		e.iq = &iqState{modems: map[string]*iqModem{}}
	}
	q := e.iq.modems[ic.Name]
	if q == nil {
		if q, err = newIQModem(e.cfg.IQ, ic); err != nil {
			return Channel{}, err
		}
		e.iq.modems[ic.Name] = q
	}
	e.iq.cur = q
	return Channel{Name: ic.Name}, nil
}

// effNoise returns item i's effective channel noise on its feature values
// (valid until the next call). At the symbol level it is Channel.Noise's
// draw. At the iq level it is what the modem run leaves on the features:
// received − sent, where sent are the item's features (nil: computed here
// from img with m, for Model 4, whose features the link sends encrypted).
func (e *evaluator) effNoise(u sim.Unit, ch Channel, snr units.DB, m *jscc.Model, img []byte, sent []float32, pcg *rand.PCG, r *rand.Rand, i int) ([]float32, error) {
	if e.iq == nil || e.iq.cur == nil {
		return e.itemNoise(u, ch, snr, m.Features(), pcg, r, i), nil
	}
	s := e.iq
	if sent == nil {
		var err error
		if s.sent, err = m.Encode(s.sent[:0], img); err != nil {
			return nil, err
		}
		sent = s.sent
	}
	if len(sent)%2 != 0 {
		return nil, fmt.Errorf("link: %d features do not pair into complex symbols", len(sent))
	}
	s.x = growC(s.x, len(sent)/2)
	for k := range s.x {
		s.x[k] = complex(sent[2*k], sent[2*k+1])
	}
	pcg.Seed(u.ItemSeed(i))
	y, err := s.cur.Send(s.x, snr, r)
	if err != nil {
		return nil, err
	}
	s.last = s.cur.Samples(len(s.x))
	s.noise = grow(s.noise, len(sent))
	for k, v := range y {
		d := v - s.x[k]
		s.noise[2*k], s.noise[2*k+1] = real(d), imag(d)
	}
	return s.noise, nil
}

// withIQ adds the iq level's sample count ("iq_samples", IQ samples on the
// air including pilots, pads and cyclic prefixes) to a unit's counts.
func (e *evaluator) withIQ(c sim.Counts, err error) (sim.Counts, error) {
	if err != nil || e.iq == nil || e.iq.cur == nil {
		return c, err
	}
	if c.Extra == nil {
		c.Extra = map[string]int64{}
	}
	c.Extra[XIQSamples] += int64(e.iq.last) * c.Items
	return c, nil
}

// XIQSamples counts the IQ samples on the air (iq level), summed over images.
const XIQSamples = "iq_samples"

func growC(s []complex64, n int) []complex64 {
	if cap(s) < n {
		return make([]complex64, n)
	}
	return s[:n]
}

// parseLevelChannel parses a channel name for a level ("symbol" or "iq").
func parseLevelChannel(level, name string) (Channel, error) {
	if level == "iq" {
		c, err := ParseIQChannel(name)
		return Channel{Name: c.Name}, err
	}
	return ParseChannel(name)
}
