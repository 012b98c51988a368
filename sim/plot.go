package sim

import (
	"fmt"
	"image/color"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// WritePlots writes one PNG per dataset into dir, accuracy (%) vs SNR with
// one line per model/channel/transport, 95 % intervals as error bars, and
// the paper's Table III as dashed lines where it has the cell. It returns
// the files written.
func (r *Result) WritePlots(dir string) ([]string, error) {
	type series struct {
		key string
		pts []PointResult
	}
	byDataset := map[string][]*series{}
	var datasets []string
	index := map[string]*series{}
	for _, p := range r.Points {
		ds := p.Point.Dataset
		if _, ok := byDataset[ds]; !ok {
			datasets = append(datasets, ds)
			byDataset[ds] = nil
		}
		key := p.Point.Model
		if p.Point.Channel != "" && p.Point.Channel != "awgn" {
			key += " " + p.Point.Channel
		}
		if p.Point.Transport != "" {
			key += " " + p.Point.Transport
		}
		if p.Point.Level != "" && p.Point.Level != "symbol" {
			key += " " + p.Point.Level
		}
		s := index[ds+"\x00"+key]
		if s == nil {
			s = &series{key: key}
			index[ds+"\x00"+key] = s
			byDataset[ds] = append(byDataset[ds], s)
		}
		s.pts = append(s.pts, p)
	}
	var files []string
	for _, ds := range datasets {
		pl := plot.New()
		pl.Title.Text = fmt.Sprintf("%s: accuracy vs SNR (%d images × %d realisations)", ds, r.Sweep.Items, r.Sweep.Realisations)
		pl.X.Label.Text = "SNR Es/N0 (dB)"
		pl.Y.Label.Text = "accuracy (%)"
		pl.Legend.Top = false
		pl.Legend.Left = false
		lo, hi := 100.0, 0.0
		pl.Add(plotter.NewGrid())
		for i, s := range byDataset[ds] {
			slices.SortFunc(s.pts, func(a, b PointResult) int {
				switch {
				case a.Point.SNR < b.Point.SNR:
					return -1
				case a.Point.SNR > b.Point.SNR:
					return 1
				}
				return 0
			})
			xys := make(plotter.XYs, len(s.pts))
			errs := make(plotter.YErrors, len(s.pts))
			var paper plotter.XYs
			for j, p := range s.pts {
				xys[j] = plotter.XY{X: p.Point.SNR, Y: 100 * p.Accuracy}
				lo, hi = min(lo, 100*p.CI95[0]), max(hi, 100*p.CI95[1])
				if v, ok := PaperAccuracy(p.Point); ok {
					lo, hi = min(lo, v), max(hi, v)
				}
				errs[j].Low = 100 * (p.Accuracy - p.CI95[0])
				errs[j].High = 100 * (p.CI95[1] - p.Accuracy)
				if v, ok := PaperAccuracy(p.Point); ok && p.Point.Channel == "awgn" {
					paper = append(paper, plotter.XY{X: p.Point.SNR, Y: v})
				}
			}
			col := plotutil.Color(i)
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return files, err
			}
			line.Color = col
			points.Color = col
			points.Shape = plotutil.Shape(i)
			eb := &struct {
				plotter.XYs
				plotter.YErrors
			}{xys, errs}
			bars, err := plotter.NewYErrorBars(eb)
			if err != nil {
				return files, err
			}
			bars.Color = col
			pl.Add(line, points, bars)
			pl.Legend.Add(s.key, line, points)
			if len(paper) > 0 {
				pline, err := plotter.NewLine(paper)
				if err != nil {
					return files, err
				}
				pline.Color = fade(col)
				pline.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				pl.Add(pline)
				pl.Legend.Add(s.key+" (paper)", pline)
			}
		}
		pl.Legend.ThumbnailWidth = 0.5 * vg.Inch
		// Zoom on the data: accuracies of interest differ by tenths of a point.
		pl.Y.Min, pl.Y.Max = max(0, lo-2), min(100, hi+2)
		name := filepath.Join(dir, "accuracy_"+ds+".png")
		if err := pl.Save(7*vg.Inch, 5*vg.Inch, name); err != nil {
			return files, fmt.Errorf("sim: plot %s: %w", name, err)
		}
		files = append(files, name)
	}
	return files, nil
}

func fade(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 140}
}
