package nn

import "math"

// SoftmaxCrossEntropy returns the summed cross-entropy of the softmax of
// logits (N×K) against labels, the number of samples whose largest logit is
// the label, and, if dlogits is non-nil, writes scale·(softmax − onehot) into
// it (the gradient of scale·loss). labels must hold N values below K.
// Computed in float64 with the max-subtraction trick.
func SoftmaxCrossEntropy(logits *Tensor, labels []byte, dlogits *Tensor, scale float32) (loss float64, correct int) {
	k := logits.Shape.Size()
	if len(labels) != logits.N {
		panic("nn: softmax cross-entropy: label count mismatch")
	}
	if dlogits != nil {
		dlogits.Resize(logits.N, logits.Shape)
	}
	for i := 0; i < logits.N; i++ {
		z := logits.Sample(i)
		lab := int(labels[i])
		if lab >= k {
			panic("nn: softmax cross-entropy: label out of range")
		}
		best := 0
		for j, v := range z {
			if v > z[best] {
				best = j
			}
		}
		if best == lab {
			correct++
		}
		m := float64(z[best])
		var s float64
		for _, v := range z {
			s += math.Exp(float64(v) - m)
		}
		lse := m + math.Log(s)
		loss += lse - float64(z[lab])
		if dlogits != nil {
			d := dlogits.Sample(i)
			for j, v := range z {
				p := math.Exp(float64(v) - lse)
				if j == lab {
					p--
				}
				d[j] = scale * float32(p)
			}
		}
	}
	return loss, correct
}

// Argmax returns the index of the largest element of v (the first on ties).
func Argmax(v []float32) int {
	best := 0
	for j, x := range v {
		if x > v[best] {
			best = j
		}
	}
	return best
}
