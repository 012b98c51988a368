package ldpc

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// The tables of TS 38.212 §5.3.2 (Tables 5.3.2-1, -2 and -3) as CSV; the same
// bytes are kept with provenance in testvectors/ldpc/ and a test checks that
// both copies agree.
//
//go:embed tables/bg1.csv tables/bg2.csv tables/lifting_sizes.csv
var tableFS embed.FS

// BaseGraph selects one of the two base graphs of TS 38.212 §5.3.2.
type BaseGraph int

const (
	// AutoBaseGraph lets New pick the graph by the rule of TS 38.212 §6.2.2/§7.2.2.
	AutoBaseGraph BaseGraph = 0
	// BG1 is base graph 1 (46×68, K = 22·Z), for large blocks and high rates.
	BG1 BaseGraph = 1
	// BG2 is base graph 2 (42×52, K = 10·Z), for small blocks and low rates.
	BG2 BaseGraph = 2
)

// String returns "BG1", "BG2" or "auto".
func (b BaseGraph) String() string {
	switch b {
	case AutoBaseGraph:
		return "auto"
	case BG1:
		return "BG1"
	case BG2:
		return "BG2"
	}
	return "BaseGraph(" + strconv.Itoa(int(b)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (b BaseGraph) MarshalText() ([]byte, error) {
	if b != AutoBaseGraph && b != BG1 && b != BG2 {
		return nil, fmt.Errorf("ldpc: invalid base graph %d", int(b))
	}
	return []byte(b.String()), nil
}

// UnmarshalText accepts "BG1", "BG2", "1", "2", "auto" or "" (case-sensitive).
func (b *BaseGraph) UnmarshalText(text []byte) error {
	switch string(text) {
	case "", "auto", "0":
		*b = AutoBaseGraph
	case "BG1", "bg1", "1":
		*b = BG1
	case "BG2", "bg2", "2":
		*b = BG2
	default:
		return fmt.Errorf("ldpc: unknown base graph %q (want BG1, BG2 or auto)", text)
	}
	return nil
}

// graphDims are the base-graph dimensions of TS 38.212 §5.3.2.
type graphDims struct {
	rows, cols int // 46×68 (BG1) or 42×52 (BG2)
	kb         int // systematic columns: 22 (BG1) or 10 (BG2)
	kcb        int // maximum code block size, §5.2.2: 8448 (BG1) or 3840 (BG2)
}

func (b BaseGraph) dims() graphDims {
	if b == BG1 {
		return graphDims{rows: 46, cols: 68, kb: 22, kcb: 8448}
	}
	return graphDims{rows: 42, cols: 52, kb: 10, kcb: 3840}
}

// entry is one nonzero block of a base graph: V(i,j) for each set index.
type entry struct {
	row, col int
	v        [8]int
}

// liftingSize is one line of Table 5.3.2-1.
type liftingSize struct{ ils, z int }

var (
	bgEntries    [3][]entry    // indexed by BaseGraph
	liftingSizes []liftingSize // ascending in z
)

func init() {
	var err error
	if bgEntries[BG1], err = loadGraph("tables/bg1.csv", BG1.dims()); err != nil {
		panic(err)
	}
	if bgEntries[BG2], err = loadGraph("tables/bg2.csv", BG2.dims()); err != nil {
		panic(err)
	}
	if liftingSizes, err = loadLiftingSizes(); err != nil {
		panic(err)
	}
}

// parseGraph reads a base-graph CSV with header row,col,ils0..ils7 and checks
// the structure TS 38.212 §5.3.2 guarantees: entries in row-major order,
// values below 384, and each row i ≥ 4 ending with the degree-1 extension
// column kb+i of value 0.
func parseGraph(r io.Reader, d graphDims) ([]entry, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("ldpc: base graph table: %w", err)
	}
	if len(recs) < 2 || len(recs[0]) != 10 || recs[0][0] != "row" || recs[0][1] != "col" {
		return nil, fmt.Errorf("ldpc: base graph table: bad header")
	}
	out := make([]entry, 0, len(recs)-1)
	for n, rec := range recs[1:] {
		var e entry
		vals := make([]int, len(rec))
		for i, f := range rec {
			v, err := strconv.Atoi(f)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("ldpc: base graph table line %d: bad field %q", n+2, f)
			}
			vals[i] = v
		}
		e.row, e.col = vals[0], vals[1]
		copy(e.v[:], vals[2:])
		if e.row >= d.rows || e.col >= d.cols {
			return nil, fmt.Errorf("ldpc: base graph table line %d: position (%d,%d) outside %d×%d", n+2, e.row, e.col, d.rows, d.cols)
		}
		for _, v := range e.v {
			if v >= 384 { // the largest lifting size, Table 5.3.2-1
				return nil, fmt.Errorf("ldpc: base graph table line %d: shift %d ≥ 384", n+2, v)
			}
		}
		if len(out) > 0 {
			p := out[len(out)-1]
			if e.row < p.row || (e.row == p.row && e.col <= p.col) {
				return nil, fmt.Errorf("ldpc: base graph table line %d: entries not in row-major order", n+2)
			}
		}
		out = append(out, e)
	}
	// Structural checks the encoder relies on.
	for i := 0; i < d.rows; i++ {
		var last entry
		found := false
		for _, e := range out {
			if e.row == i {
				last, found = e, true
				if i < 4 && e.col >= d.kb+4 {
					return nil, fmt.Errorf("ldpc: base graph row %d uses extension column %d", i, e.col)
				}
				if i >= 4 && e.col >= d.kb+4 && e.col != d.kb+i {
					return nil, fmt.Errorf("ldpc: base graph row %d uses extension column %d", i, e.col)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("ldpc: base graph row %d empty", i)
		}
		if i >= 4 && (last.col != d.kb+i || last.v != [8]int{}) {
			return nil, fmt.Errorf("ldpc: base graph row %d lacks its extension column", i)
		}
	}
	return out, nil
}

func loadGraph(name string, d graphDims) ([]entry, error) {
	b, err := tableFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return parseGraph(bytes.NewReader(b), d)
}

// parseLiftingSizes reads Table 5.3.2-1 (header ils,a,j,z) and checks
// z = a·2^j; the result is sorted by z.
func parseLiftingSizes(r io.Reader) ([]liftingSize, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("ldpc: lifting size table: %w", err)
	}
	if len(recs) < 2 || len(recs[0]) != 4 || recs[0][0] != "ils" {
		return nil, fmt.Errorf("ldpc: lifting size table: bad header")
	}
	var out []liftingSize
	for n, rec := range recs[1:] {
		var v [4]int
		for i, f := range rec {
			x, err := strconv.Atoi(f)
			if err != nil || x < 0 || x > 384 {
				return nil, fmt.Errorf("ldpc: lifting size table line %d: bad field %q", n+2, f)
			}
			v[i] = x
		}
		if v[0] > 7 || v[1]<<v[2] != v[3] || v[3] == 0 {
			return nil, fmt.Errorf("ldpc: lifting size table line %d: inconsistent row %v", n+2, rec)
		}
		out = append(out, liftingSize{ils: v[0], z: v[3]})
	}
	// Insertion sort by z; 51 entries.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].z < out[j-1].z; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	for i := 1; i < len(out); i++ {
		if out[i].z == out[i-1].z {
			return nil, fmt.Errorf("ldpc: lifting size table: duplicate Z=%d", out[i].z)
		}
	}
	return out, nil
}

func loadLiftingSizes() ([]liftingSize, error) {
	b, err := tableFS.ReadFile("tables/lifting_sizes.csv")
	if err != nil {
		return nil, err
	}
	return parseLiftingSizes(bytes.NewReader(b))
}

// LiftingSizes returns the 51 lifting sizes Z of Table 5.3.2-1 in ascending order.
func LiftingSizes() []int {
	out := make([]int, len(liftingSizes))
	for i, l := range liftingSizes {
		out[i] = l.z
	}
	return out
}

// setIndex returns the set index iLS of lifting size z, or -1.
func setIndex(z int) int {
	for _, l := range liftingSizes {
		if l.z == z {
			return l.ils
		}
	}
	return -1
}

// minLiftingSize returns the smallest Z of Table 5.3.2-1 with kb·Z ≥ k
// (TS 38.212 §5.2.2), or 0 if none.
func minLiftingSize(kb, k int) int {
	for _, l := range liftingSizes {
		if kb*l.z >= k {
			return l.z
		}
	}
	return 0
}
