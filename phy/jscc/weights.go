package jscc

// Weights are a model's plain weights as float64 slices with documented
// layouts, for evaluation outside this package (app/he evaluates the HE
// architectures on CKKS ciphertexts from them). The encoder computes, for an
// image x of Rows×Cols pixels scaled to value/255:
//
//	a[c][i][j] = ConvBias[c] + Σ_{u,v} ConvKernel[c][u][v]·x[i+u−p][j+v−p]
//	             (p = Kernel/2, zero outside the image: "same" padding)
//	s = a² (HE, HEWide) or max(a, 0) (Original)
//	f[c][i][j] = mean (HE, HEWide) or max (Original) of s[c][2i..2i+1][2j..2j+1]
//	z = f flattened c-major, then row-major: index c·(Rows/2)(Cols/2) + i·(Cols/2) + j
//	HEWide: z ← ProjWeight·z + ProjBias
//	t = Gain·z (HE, HEWide) or z·sqrt(len(z)/2 / ‖z‖²) (Original)
//
// t goes over the channel (pairs t[2k], t[2k+1] form complex symbol k), and
// the decoder returns logits = FCWeight·r + FCBias for the received r.
type Weights struct {
	Arch                         Arch
	Kernel, Channels, Rows, Cols int
	ConvKernel                   []float64 // [Channels][Kernel][Kernel] row-major
	ConvBias                     []float64 // [Channels]
	ProjWeight                   []float64 // HEWide only: [Features][Channels·Features] row-major
	ProjBias                     []float64 // HEWide only: [Features]
	Gain                         float64   // HE, HEWide: the fixed power gain; 0 for Original
	FCWeight                     []float64 // [Classes][Features] row-major, e.g. [10][196]
	FCBias                       []float64 // [Classes]
}

// Weights returns a copy of the model's weights.
func (m *Model) Weights() Weights {
	w := Weights{
		Arch: m.cfg.Arch, Kernel: m.cfg.Kernel, Channels: m.cfg.Channels, Rows: m.cfg.Rows, Cols: m.cfg.Cols,
		ConvKernel: f64(m.conv.W.W), ConvBias: f64(m.conv.B.W),
		Gain:     float64(m.Gain()),
		FCWeight: f64(m.fc.W.W), FCBias: f64(m.fc.B.W),
	}
	if m.proj != nil {
		w.ProjWeight, w.ProjBias = f64(m.proj.W.W), f64(m.proj.B.W)
	}
	return w
}

func f64(s []float32) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = float64(v)
	}
	return d
}
