package he

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// FitConfig configures FitTableII.
type FitConfig struct {
	K      int     `json:"k"`      // odd kernel size; 0 means 3
	Epochs int     `json:"epochs"` // 0 means 3
	Batch  int     `json:"batch"`  // mini-batch size; 0 means 50
	LR     float64 `json:"lr"`     // Adam step size; 0 means 0.01
	Seed   uint64  `json:"seed"`
}

// FitTableII fits Table II weights to images (n·784 bytes, row-major) and
// their labels with plain mini-batch Adam on the softmax cross-entropy, in
// float64, without channel noise, then calibrates Gain so the mean feature
// power is 1 (rescaling FC so the logits are unchanged). It is a small,
// seeded reference trainer so that this package's tests, benchmarks and
// `hesemcom he` run on real, non-trivial weights without depending on the
// project's trainer (phy/jscc); it is not a substitute for it.
func FitTableII(imgs, labels []byte, cfg FitConfig) (*TableII, error) {
	n := len(labels)
	if n == 0 || len(imgs) != n*Pixels {
		return nil, fmt.Errorf("he: %d image bytes for %d labels, want %d", len(imgs), n, n*Pixels)
	}
	for _, l := range labels {
		if l >= Classes {
			return nil, errors.New("he: label out of range")
		}
	}
	if cfg.K == 0 {
		cfg.K = 3
	}
	if cfg.Epochs == 0 {
		cfg.Epochs = 3
	}
	if cfg.Batch == 0 {
		cfg.Batch = 50
	}
	if cfg.LR == 0 {
		cfg.LR = 0.01
	}
	if cfg.K < 1 || cfg.K%2 == 0 || cfg.K > Rows || cfg.Epochs < 0 || cfg.Batch < 1 || !(cfg.LR > 0) {
		return nil, fmt.Errorf("he: bad fit config %+v", cfg)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7ab1e2))
	k := cfg.K
	w := &TableII{K: k, Conv: make([]float64, k*k), Gain: 1, FC: make([]float64, Classes*Features), FCBias: make([]float64, Classes)}
	for i := range w.Conv {
		w.Conv[i] = rng.NormFloat64() / float64(k)
	}
	w.ConvBias = 0.1
	for i := range w.FC {
		w.FC[i] = rng.NormFloat64() * 0.05
	}
	x := make([]float64, Pixels)
	load := func(i int) {
		for p, v := range imgs[i*Pixels : (i+1)*Pixels] {
			x[p] = float64(v) / 255
		}
	}
	// Calibrate the gain once before training so the FC sees unit-power
	// features (the HE-friendly model cannot normalise per sample).
	w.Gain = 1 / math.Sqrt(meanPower(w, imgs, n, x, load))

	params := [][]float64{w.Conv, {w.ConvBias}, w.FC, w.FCBias}
	grads := make([][]float64, len(params))
	m1 := make([][]float64, len(params))
	m2 := make([][]float64, len(params))
	for i, p := range params {
		grads[i] = make([]float64, len(p))
		m1[i] = make([]float64, len(p))
		m2[i] = make([]float64, len(p))
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	h := k / 2
	var y, dy [Pixels]float64
	feat := make([]float64, Features)
	logit := make([]float64, Classes)
	df := make([]float64, Features)
	step := 0
	const b1, b2, eps = 0.9, 0.999, 1e-8 // Adam defaults (Kingma & Ba, 2015)
	for e := 0; e < cfg.Epochs; e++ {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for s := 0; s < n; s += cfg.Batch {
			end := min(s+cfg.Batch, n)
			for _, g := range grads {
				clear(g)
			}
			for _, idx := range order[s:end] {
				load(idx)
				// forward
				for r := 0; r < Rows; r++ {
					for c := 0; c < Cols; c++ {
						v := params[1][0]
						for a := 0; a < k; a++ {
							rr := r + a - h
							if rr < 0 || rr >= Rows {
								continue
							}
							for bb := 0; bb < k; bb++ {
								cc := c + bb - h
								if cc >= 0 && cc < Cols {
									v += w.Conv[a*k+bb] * x[rr*Cols+cc]
								}
							}
						}
						y[r*Cols+c] = v
					}
				}
				for i := 0; i < Rows/2; i++ {
					for j := 0; j < Cols/2; j++ {
						p0 := 2*i*Cols + 2*j
						feat[i*(Cols/2)+j] = w.Gain / 4 * (y[p0]*y[p0] + y[p0+1]*y[p0+1] + y[p0+Cols]*y[p0+Cols] + y[p0+Cols+1]*y[p0+Cols+1])
					}
				}
				w.ConvBias = params[1][0]
				w.Logits(logit, feat)
				mx := logit[ArgMax(logit)]
				var z float64
				for c := range logit {
					logit[c] = math.Exp(logit[c] - mx)
					z += logit[c]
				}
				// backward: dlogit = softmax − onehot
				clear(df)
				for c := range logit {
					d := logit[c] / z
					if c == int(labels[idx]) {
						d--
					}
					grads[3][c] += d
					row := w.FC[c*Features : (c+1)*Features]
					grow := grads[2][c*Features : (c+1)*Features]
					for f := range feat {
						grow[f] += d * feat[f]
						df[f] += d * row[f]
					}
				}
				for r := 0; r < Rows; r++ {
					for c := 0; c < Cols; c++ {
						p := r*Cols + c
						dy[p] = 2 * y[p] * df[(r/2)*(Cols/2)+c/2] * w.Gain / 4
					}
				}
				for r := 0; r < Rows; r++ {
					for c := 0; c < Cols; c++ {
						d := dy[r*Cols+c]
						grads[1][0] += d
						for a := 0; a < k; a++ {
							rr := r + a - h
							if rr < 0 || rr >= Rows {
								continue
							}
							for bb := 0; bb < k; bb++ {
								cc := c + bb - h
								if cc >= 0 && cc < Cols {
									grads[0][a*k+bb] += d * x[rr*Cols+cc]
								}
							}
						}
					}
				}
			}
			step++
			inv := 1 / float64(end-s)
			c1 := 1 - math.Pow(b1, float64(step))
			c2 := 1 - math.Pow(b2, float64(step))
			for i, p := range params {
				for j := range p {
					g := grads[i][j] * inv
					m1[i][j] = b1*m1[i][j] + (1-b1)*g
					m2[i][j] = b2*m2[i][j] + (1-b2)*g*g
					p[j] -= cfg.LR * (m1[i][j] / c1) / (math.Sqrt(m2[i][j]/c2) + eps)
				}
			}
		}
	}
	w.ConvBias = params[1][0]
	// Recalibrate: unit mean feature power, FC rescaled to keep the logits.
	pw := meanPower(w, imgs, n, x, load)
	g := 1 / math.Sqrt(pw)
	for i := range w.FC {
		w.FC[i] /= g
	}
	w.Gain *= g
	return w, w.Validate()
}

func meanPower(w *TableII, imgs []byte, n int, x []float64, load func(int)) float64 {
	feat := make([]float64, Features)
	var s float64
	m := min(n, 2000)
	for i := 0; i < m; i++ {
		load(i)
		w.Features(feat, x)
		for _, v := range feat {
			s += v * v
		}
	}
	return s / float64(m*Features)
}
