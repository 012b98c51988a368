package jscc

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkInference measures plaintext inference per image (encode, channel
// skipped, decode): the paper reports 0.000173 s for Model 2 and 0.000172 s
// for Model 3 on MNIST (Table III, "Comp. Time").
func BenchmarkInference(b *testing.B) {
	d := loadVectors(b, "mnist")
	for _, a := range Archs {
		b.Run(a.String(), func(b *testing.B) {
			m, _ := New(Config{Arch: a}, 1)
			var f, z []float32
			i := 0
			for b.Loop() {
				f, _ = m.Encode(f, d.Pixels[i*784:(i+1)*784])
				z, _ = m.Decode(z, f)
				i = (i + 1) % d.Len()
			}
			s := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(s, "s/image")
			b.ReportMetric(0.000173/s, "x_paper")
		})
	}
}

// BenchmarkBatchAccuracy measures batched evaluation throughput over the
// channel (the path of `hesemcom eval`), in images per second.
func BenchmarkBatchAccuracy(b *testing.B) {
	d := loadVectors(b, "mnist")
	for _, a := range Archs {
		b.Run(a.String(), func(b *testing.B) {
			m, _ := New(Config{Arch: a}, 1)
			for b.Loop() {
				if _, _, err := m.Accuracy(context.Background(), d, 10, 1, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(d.Len()*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkTrainStep measures training throughput (forward, backward, Adam
// over 2 shards) in images per second; 60000 divided by it is the time of one
// epoch.
func BenchmarkTrainStep(b *testing.B) {
	d := synthetic(640, 1)
	for _, a := range Archs {
		b.Run(a.String(), func(b *testing.B) {
			m, _ := New(Config{Arch: a}, 1)
			for b.Loop() {
				if err := m.Train(context.Background(), d, TrainConfig{Epochs: 1, Seed: 1}, nil); err != nil {
					b.Fatal(err)
				}
			}
			ips := float64(d.Len()*b.N) / b.Elapsed().Seconds()
			b.ReportMetric(ips, "images/s")
			b.ReportMetric(60000/ips, "s/epoch")
		})
	}
}

func ExampleModel_Encode() {
	m, err := New(Config{Arch: HE}, 1)
	if err != nil {
		panic(err)
	}
	img := make([]byte, 28*28)
	f, _ := m.Encode(nil, img)
	fmt.Println(len(f), m.ChannelUses(), m.OutLen(2*784))
	// Output: 196 98 392
}

func ExampleModel_Weights() {
	m, _ := New(Config{Arch: HE, Kernel: 5}, 1) // kernel [5][5]
	w := m.Weights()
	fmt.Println(len(w.ConvKernel), len(w.ConvBias), len(w.FCWeight), len(w.FCBias))
	// Output: 25 1 1960 10
}

func ExamplePretrained() {
	m, err := Pretrained("mnist-he-agnostic")
	if err != nil {
		panic(err)
	}
	w := m.Weights() // plain weights for a CKKS evaluator
	fmt.Println(m.Config().Arch, m.Config().Kernel, m.ChannelUses(), len(w.FCWeight), m.Meta.Agnostic())
	// Output: he 9 98 1960 true
}
