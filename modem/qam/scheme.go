package qam

import (
	"fmt"
	"strings"
)

// Scheme names a modulation.
type Scheme uint8

// The modulations of TS 38.211 §5.1, plus Custom for constellations given as
// points.
const (
	BPSK       Scheme = iota + 1 // §5.1.2, points (±1 ± j)/√2 on the diagonal
	PiHalfBPSK                   // §5.1.1, BPSK rotated by j^(i mod 2)
	QPSK                         // §5.1.3
	QAM16                        // §5.1.4
	QAM64                        // §5.1.5
	QAM256                       // §5.1.6
	Custom                       // points in bit-label order (NewCustom)
)

var schemeNames = map[Scheme]string{
	BPSK: "bpsk", PiHalfBPSK: "pi2bpsk", QPSK: "qpsk", QAM16: "16qam",
	QAM64: "64qam", QAM256: "256qam", Custom: "custom",
}

// String returns the command-line name: bpsk, pi2bpsk, qpsk, 16qam, 64qam,
// 256qam or custom.
func (s Scheme) String() string {
	if n, ok := schemeNames[s]; ok {
		return n
	}
	return fmt.Sprintf("Scheme(%d)", uint8(s))
}

// BitsPerSymbol returns log2 of the constellation size (0 for Custom, whose
// size comes from its points).
func (s Scheme) BitsPerSymbol() int {
	switch s {
	case BPSK, PiHalfBPSK:
		return 1
	case QPSK:
		return 2
	case QAM16:
		return 4
	case QAM64:
		return 6
	case QAM256:
		return 8
	}
	return 0
}

// MarshalText implements encoding.TextMarshaler.
func (s Scheme) MarshalText() ([]byte, error) {
	if _, ok := schemeNames[s]; !ok {
		return nil, fmt.Errorf("qam: unknown scheme %d", uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts the names of
// String in any case, plus the aliases "pi/2-bpsk", "qam16", "qam64",
// "qam256", "16-qam", "64-qam" and "256-qam".
func (s *Scheme) UnmarshalText(text []byte) error {
	v, err := ParseScheme(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseScheme parses a modulation name (see UnmarshalText).
func ParseScheme(name string) (Scheme, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "pi/2-bpsk", "pi2-bpsk":
		return PiHalfBPSK, nil
	case "qam16", "16-qam":
		return QAM16, nil
	case "qam64", "64-qam":
		return QAM64, nil
	case "qam256", "256-qam":
		return QAM256, nil
	}
	for s, sn := range schemeNames {
		if sn == n {
			return s, nil
		}
	}
	return 0, fmt.Errorf("qam: unknown modulation %q (want bpsk, pi2bpsk, qpsk, 16qam, 64qam, 256qam or custom)", name)
}

// LLRMethod selects the soft demapper.
type LLRMethod uint8

const (
	// MaxLog approximates ln Σ exp(−d²/N0) by its largest term.
	MaxLog LLRMethod = iota
	// Exact evaluates the log-sum-exp over all points.
	Exact
)

// String returns "maxlog" or "exact".
func (m LLRMethod) String() string {
	switch m {
	case MaxLog:
		return "maxlog"
	case Exact:
		return "exact"
	}
	return fmt.Sprintf("LLRMethod(%d)", uint8(m))
}

// MarshalText implements encoding.TextMarshaler.
func (m LLRMethod) MarshalText() ([]byte, error) {
	if m > Exact {
		return nil, fmt.Errorf("qam: unknown LLR method %d", uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler ("maxlog", "max-log",
// "exact", "app").
func (m *LLRMethod) UnmarshalText(text []byte) error {
	switch strings.ToLower(string(text)) {
	case "maxlog", "max-log":
		*m = MaxLog
	case "exact", "app":
		*m = Exact
	default:
		return fmt.Errorf("qam: unknown LLR method %q (want maxlog or exact)", text)
	}
	return nil
}
