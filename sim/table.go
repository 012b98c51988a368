package sim

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// A Gap is a point where our accuracy is below the paper's.
type Gap struct {
	Point  Point   `json:"point"`
	Ours   float64 `json:"ours_pct"`
	Paper  float64 `json:"paper_pct"`
	Points float64 `json:"gap_points"` // paper − ours, percentage points
}

// Gaps lists every point whose accuracy is below the paper's Table III.
func (r *Result) Gaps() []Gap {
	var gs []Gap
	for _, p := range r.Points {
		if paper, ok := PaperAccuracy(p.Point); ok && 100*p.Accuracy < paper {
			gs = append(gs, Gap{Point: p.Point, Ours: 100 * p.Accuracy, Paper: paper, Points: paper - 100*p.Accuracy})
		}
	}
	return gs
}

// WriteMarkdown writes the accuracies as a table laid out like Table III:
// one row per SNR, one column per dataset × model, each cell "ours (paper)"
// in %, followed by the seconds per item and the list of cells below the
// paper.
func (r *Result) WriteMarkdown(w io.Writer) error {
	type col struct{ dataset, model, channel, transport, level string }
	var cols []col
	var snrs []float64
	cell := map[col]map[float64]PointResult{}
	for _, p := range r.Points {
		c := col{p.Point.Dataset, p.Point.Model, p.Point.Channel, p.Point.Transport, p.Point.Level}
		if cell[c] == nil {
			cell[c] = map[float64]PointResult{}
			cols = append(cols, c)
		}
		cell[c][p.Point.SNR] = p
		if !slices.Contains(snrs, p.Point.SNR) {
			snrs = append(snrs, p.Point.SNR)
		}
	}
	slices.Sort(snrs)
	var b strings.Builder
	b.WriteString("| SNR |")
	for _, c := range cols {
		name := c.dataset + " " + c.model
		if c.channel != "" && c.channel != "awgn" {
			name += " " + c.channel
		}
		if c.transport != "" {
			name += " " + c.transport
		}
		if c.level != "" && c.level != "symbol" {
			name += " " + c.level
		}
		b.WriteString(" " + name + " |")
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---|", len(cols)))
	b.WriteString("\n")
	for _, s := range snrs {
		fmt.Fprintf(&b, "| %g dB |", s)
		for _, c := range cols {
			p, ok := cell[c][s]
			if !ok {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(&b, " %.2f", 100*p.Accuracy)
			if paper, ok := PaperAccuracy(p.Point); ok {
				fmt.Fprintf(&b, " (%.2f)", paper)
			}
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	b.WriteString("| s/image |")
	for _, c := range cols {
		var busy, items float64
		for _, p := range cell[c] {
			busy += p.BusySeconds
			items += float64(p.Counts.Items)
		}
		if items > 0 {
			fmt.Fprintf(&b, " %.3g", busy/items)
		} else {
			b.WriteString(" –")
		}
		if ps, ok := PaperSecondsPerImage[c.dataset][c.model]; ok {
			fmt.Fprintf(&b, " (%.4g)", ps)
		}
		b.WriteString(" |")
	}
	b.WriteString("\n\nCells are our accuracy in %, the paper's Table III in parentheses; ")
	fmt.Fprintf(&b, "%d items × %d realisations per cell, seed %d.\n", r.Sweep.Items, r.Sweep.Realisations, r.Sweep.Seed)
	if gaps := r.Gaps(); len(gaps) > 0 {
		b.WriteString("\nBelow the paper:\n")
		for _, g := range gaps {
			fmt.Fprintf(&b, "- %s: %.2f %% vs %.2f %% (−%.2f points)\n", g.Point, g.Ours, g.Paper, g.Points)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
