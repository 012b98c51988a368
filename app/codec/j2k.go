package codec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// The OpenJPEG command-line tools (Debian/Ubuntu package libopenjp2-tools).
const (
	compressTool   = "opj_compress"
	decompressTool = "opj_decompress"
	toolPackage    = "libopenjp2-tools"
)

// toolTimeout bounds one OpenJPEG run, so a decoder stuck on a damaged
// codestream cannot hang the link.
const toolTimeout = 20 * time.Second

// toolsAvailable reports whether opj_compress and opj_decompress are on
// PATH; the error names the missing tool and the package that provides it.
func toolsAvailable() error {
	for _, t := range []string{compressTool, decompressTool} {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("codec: %s not found on PATH (install %s)", t, toolPackage)
		}
	}
	return nil
}

// OpenJPEGAvailable reports whether JPEG 2000 coding is possible: through
// libopenjp2 in process or through the command-line tools. The error says
// what is missing and which package provides it.
func OpenJPEGAvailable() error {
	_, libErr := loadLibrary()
	if libErr == nil {
		return nil
	}
	if err := toolsAvailable(); err != nil {
		return fmt.Errorf("%w; %v", err, libErr)
	}
	return nil
}

// J2K codestream markers (ITU-T T.800 Table A.2).
const (
	markerSOC = 0xff4f
	markerSOT = 0xff90
	markerSOD = 0xff93
	markerEOC = 0xffd9
	markerCOM = 0xff64
)

// codestream is a single-tile, single-tile-part J2K codestream split into
// the main header (comment segments removed) and the tile's packet data.
type codestream struct {
	header []byte // SOC and the main-header marker segments except COM
	data   []byte // packet data after SOD
}

// parseCodestream splits b (a whole codestream as opj_compress writes it for
// one tile) into the main header and the packet data. It fails, never
// panics, on anything else.
func parseCodestream(b []byte) (codestream, error) {
	var cs codestream
	if len(b) < 2 || binary.BigEndian.Uint16(b) != markerSOC {
		return cs, fmt.Errorf("codec: codestream does not start with SOC")
	}
	cs.header = append(cs.header, b[:2]...)
	i := 2
	for {
		if i+4 > len(b) {
			return cs, fmt.Errorf("codec: main header truncated at %d", i)
		}
		m := binary.BigEndian.Uint16(b[i:])
		if m == markerSOT {
			break
		}
		if m>>8 != 0xff {
			return cs, fmt.Errorf("codec: marker expected at %d, found %#04x", i, m)
		}
		l := int(binary.BigEndian.Uint16(b[i+2:]))
		if l < 2 || i+2+l > len(b) {
			return cs, fmt.Errorf("codec: marker %#04x at %d overruns the codestream", m, i)
		}
		if m != markerCOM {
			cs.header = append(cs.header, b[i:i+2+l]...)
		}
		i += 2 + l
	}
	// SOT: Lsot = 10, Isot, Psot, TPsot, TNsot (T.800 §A.4.2), then SOD.
	if i+14 > len(b) || binary.BigEndian.Uint16(b[i+2:]) != 10 {
		return cs, fmt.Errorf("codec: bad SOT at %d", i)
	}
	isot := binary.BigEndian.Uint16(b[i+4:])
	psot := int(binary.BigEndian.Uint32(b[i+6:]))
	if isot != 0 || b[i+10] != 0 || b[i+11] != 1 {
		return cs, fmt.Errorf("codec: codestream has more than one tile or tile-part")
	}
	if binary.BigEndian.Uint16(b[i+12:]) != markerSOD {
		return cs, fmt.Errorf("codec: tile-part header holds more than SOT")
	}
	end := i + psot
	if psot < 14 || end+2 != len(b) || binary.BigEndian.Uint16(b[end:]) != markerEOC {
		return cs, fmt.Errorf("codec: tile-part length %d does not end at EOC", psot)
	}
	cs.data = b[i+14 : end]
	return cs, nil
}

// assemble rebuilds a codestream from an agreed main header and packet data.
func assemble(header, data []byte) []byte {
	b := make([]byte, 0, len(header)+len(data)+16)
	b = append(b, header...)
	b = binary.BigEndian.AppendUint16(b, markerSOT)
	b = binary.BigEndian.AppendUint16(b, 10)                   // Lsot
	b = binary.BigEndian.AppendUint16(b, 0)                    // Isot: tile 0
	b = binary.BigEndian.AppendUint32(b, uint32(14+len(data))) // Psot: SOT…end of data
	b = append(b, 0, 1)                                        // TPsot 0 of TNsot 1
	b = binary.BigEndian.AppendUint16(b, markerSOD)
	b = append(b, data...)
	return binary.BigEndian.AppendUint16(b, markerEOC)
}

// j2kCodec codes with one or several agreed resolution counts ("modes").
// With several, each payload starts with one byte naming the mode used.
//
// Encoding, and decoding the codec's own payloads (the candidates of rate
// control and mode choice, DecodeOwn), run OpenJPEG in process when
// libopenjp2 loads: about 20 codings per image make process start-up the
// cost otherwise. Decoding a payload from the channel (Decode) runs
// opj_decompress in a child process whenever the tools are installed, so a
// damaged codestream that crashes or hangs OpenJPEG costs one decode (an
// ErrPayload after at most toolTimeout), not the whole run. Only without
// the tools does Decode fall back to the library in process, whose decoder
// is fuzzed on damaged payloads (FuzzDecodeJ2KInProcess) and agrees with
// opj_decompress on them (TestInProcessDamagedMatchesTools). Both paths
// give byte-identical codestreams and images (TestInProcessMatchesTools).
type j2kCodec struct {
	cfg     Config
	modes   []int          // resolution levels of each mode
	headers map[int][]byte // agreed main header per resolution count
	lib     *opjLib        // in-process OpenJPEG; nil: the command-line tools
	tools   bool           // opj_compress and opj_decompress are on PATH
}

// adaptiveModes are the resolution counts tried per image when
// Config.Resolutions is Adaptive: on 28×28 MNIST digits no wavelet
// decomposition (1 level) codes best, on Fashion-MNIST one level of
// decomposition (2 resolutions) does (measured with "hesemcom codec").
var adaptiveModes = []int{1, 2}

// newJ2K needs lib or tools.
func newJ2K(cfg Config, lib *opjLib, tools bool) (*j2kCodec, error) {
	if lib == nil && !tools {
		return nil, fmt.Errorf("codec: JPEG 2000 needs libopenjp2 or the OpenJPEG tools")
	}
	j := &j2kCodec{cfg: cfg, headers: make(map[int][]byte), lib: lib, tools: tools}
	if cfg.Resolutions == Adaptive {
		j.modes = adaptiveModes
	} else {
		j.modes = []int{cfg.Resolutions}
	}
	for _, res := range j.modes {
		// The agreed main header: the one OpenJPEG writes for a blank image
		// with the agreed options. Encode checks every image's header against it.
		b, err := j.compress(make([]byte, cfg.Rows*cfg.Cols), res, 0)
		if err != nil {
			return nil, err
		}
		cs, err := parseCodestream(b)
		if err != nil {
			return nil, err
		}
		j.headers[res] = cs.header
	}
	return j, nil
}

// selector reports whether payloads carry a mode byte.
func (j *j2kCodec) selector() int {
	if len(j.modes) > 1 {
		return 1
	}
	return 0
}

// rateArg returns opj_compress's -r argument for compression ratio r and
// the float the tool parses from it (sscanf %f), which the in-process path
// passes directly; r = 0 (lossless) has no argument and rate 0.
func rateArg(r float64) (string, float32) {
	if r <= 0 {
		return "", 0
	}
	s := strconv.FormatFloat(r, 'f', 4, 64)
	f, _ := strconv.ParseFloat(s, 32)
	return s, float32(f)
}

// compress codes img with res resolution levels and compression ratio r
// (0: lossless; the reversible 5/3 wavelet either way) and returns the
// codestream, in process or through opj_compress.
func (j *j2kCodec) compress(img []byte, res int, r float64) ([]byte, error) {
	arg, rate := rateArg(r)
	if j.lib != nil {
		return j.lib.compress(img, j.cfg.Rows, j.cfg.Cols, res, j.cfg.CodeBlock, rate)
	}
	dir, err := os.MkdirTemp("", "hesemcom-j2k-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.raw"), filepath.Join(dir, "out.j2k")
	if err := os.WriteFile(in, img, 0o600); err != nil {
		return nil, err
	}
	args := []string{"-i", in, "-o", out,
		"-F", fmt.Sprintf("%d,%d,1,8,u", j.cfg.Cols, j.cfg.Rows),
		"-n", strconv.Itoa(res),
		"-b", fmt.Sprintf("%d,%d", j.cfg.CodeBlock, j.cfg.CodeBlock)}
	if arg != "" {
		args = append(args, "-r", arg)
	}
	if err := run(compressTool, args); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

func run(tool string, args []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := bytes.TrimSpace(out.Bytes())
		if len(msg) > 300 {
			msg = msg[len(msg)-300:]
		}
		return fmt.Errorf("codec: %s: %v: %s", tool, err, msg)
	}
	return nil
}

// packetData codes img in mode res at ratio r and returns its packet data
// after checking that the main header is the agreed one.
func (j *j2kCodec) packetData(img []byte, res int, r float64) ([]byte, error) {
	b, err := j.compress(img, res, r)
	if err != nil {
		return nil, err
	}
	cs, err := parseCodestream(b)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(cs.header, j.headers[res]) {
		return nil, fmt.Errorf("codec: J2K main header differs from the agreed one")
	}
	return cs.data, nil
}

// maxTries bounds the rate-control iterations per image and mode.
const maxTries = 8

// rateControl returns the packet data of img in mode res within budget
// bytes: the lossless data when it fits, else the largest fitting result of
// a search over the OpenJPEG compression ratio. OpenJPEG's rate target
// counts the whole codestream, so the target T starts at the budget plus
// the header overhead and is corrected after each run by the measured miss.
func (j *j2kCodec) rateControl(img []byte, res, budget int) ([]byte, error) {
	data, err := j.packetData(img, res, 0)
	if err != nil || len(data) <= budget {
		return data, err
	}
	raw := float64(j.cfg.Rows * j.cfg.Cols)
	target := float64(budget + len(j.headers[res]) + 16) // + SOT, SOD, EOC
	var best []byte
	// The next target depends only on the current one, so a target seen
	// before starts a cycle that can add no new length: stop there.
	seen := make([]float64, 0, maxTries)
	for range maxTries {
		if slices.Contains(seen, target) {
			break
		}
		seen = append(seen, target)
		d, err := j.packetData(img, res, max(raw/target, 1.001))
		if err != nil {
			return nil, err
		}
		if len(d) <= budget && len(d) > len(best) {
			best = d
		}
		miss := budget - len(d)
		if miss >= 0 && miss <= 2 {
			break
		}
		if miss < 0 {
			target += float64(miss - 1)
		} else {
			target += float64(miss)
		}
		if target < 16 {
			break
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w: JPEG 2000 rate control did not reach %d bytes", ErrBudget, budget)
	}
	return best, nil
}

// encode codes img in every mode and keeps the one with the smallest
// squared error (decoding each candidate as the receiver will).
func (j *j2kCodec) encode(dst, img []byte) ([]byte, error) {
	budget := j.cfg.Budget - j.selector()
	var best []byte
	bestMode, bestErr := 0, math.Inf(1)
	for _, res := range j.modes {
		data, err := j.rateControl(img, res, budget)
		if err != nil {
			return dst, err
		}
		if len(j.modes) == 1 {
			return append(dst, data...), nil
		}
		back, err := j.decodeMode(nil, res, data, true)
		if err != nil {
			return dst, err
		}
		if e := MSE(img, back); e < bestErr {
			best, bestMode, bestErr = data, res, e
		}
	}
	dst = append(dst, byte(bestMode))
	return append(dst, best...), nil
}

func (j *j2kCodec) decode(dst, payload []byte) ([]byte, error) {
	return j.decodePayload(dst, payload, false)
}

func (j *j2kCodec) decodeOwn(dst, payload []byte) ([]byte, error) {
	return j.decodePayload(dst, payload, true)
}

func (j *j2kCodec) decodePayload(dst, payload []byte, own bool) ([]byte, error) {
	res := j.modes[0]
	if j.selector() == 1 {
		res = int(payload[0])
		if _, ok := j.headers[res]; !ok {
			return dst, fmt.Errorf("%w: unknown JPEG 2000 mode %d", ErrPayload, res)
		}
		payload = payload[1:]
	}
	return j.decodeMode(dst, res, payload, own)
}

// decodeMode decodes packet data in mode res: in process for the codec's
// own payloads (own) or when the tools are missing, else in a child
// process (see j2kCodec).
func (j *j2kCodec) decodeMode(dst []byte, res int, data []byte, own bool) ([]byte, error) {
	n := j.cfg.Rows * j.cfg.Cols
	if j.lib != nil && (own || !j.tools) {
		img, err := j.lib.decompress(assemble(j.headers[res], data), n)
		if err != nil {
			return dst, fmt.Errorf("%w: %v", ErrPayload, err)
		}
		return append(dst, img...), nil
	}
	dir, err := os.MkdirTemp("", "hesemcom-j2k-")
	if err != nil {
		return dst, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in.j2k"), filepath.Join(dir, "out.raw")
	if err := os.WriteFile(in, assemble(j.headers[res], data), 0o600); err != nil {
		return dst, err
	}
	if err := run(decompressTool, []string{"-i", in, "-o", out}); err != nil {
		return dst, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	img, err := os.ReadFile(out)
	if err != nil {
		return dst, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	if len(img) != n {
		return dst, fmt.Errorf("%w: decoded %d bytes, want %d", ErrPayload, len(img), n)
	}
	return append(dst, img...), nil
}
