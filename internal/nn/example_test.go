package nn

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// A ResNet-style classifier (He et al. 2016, Fig. 2: conv-BN-ReLU-conv-BN
// plus identity) as the classical baseline's receiver uses it.
func ExampleResidual() {
	rng := rand.New(rand.NewPCG(1, 1))
	in := Shape{1, 28, 28}
	stem, _ := NewConv2D(Conv2DConfig{In: 1, Out: 8, Kernel: 3, Stride: 2, Pad: 1}, rng) // 8×14×14
	c1, _ := NewConv2D(Conv2DConfig{In: 8, Out: 8, Kernel: 3, Pad: 1, NoBias: true}, rng)
	c2, _ := NewConv2D(Conv2DConfig{In: 8, Out: 8, Kernel: 3, Pad: 1, NoBias: true}, rng)
	bn1, _ := NewBatchNorm(8)
	bn2, _ := NewBatchNorm(8)
	body, _ := NewSequential(Shape{8, 14, 14}, c1, bn1, &ReLU{}, c2, bn2)
	fc, _ := NewDense(8, 10, rng)
	net, err := NewSequential(in, stem, &ReLU{}, &Residual{Body: body}, &ReLU{}, &GlobalAvgPool{}, fc)
	if err != nil {
		panic(err)
	}
	out, _ := net.OutShape(in)
	fmt.Println(out)
	// Output: 10×1×1
}

func ExampleTrain() {
	data := newBlobs(1024, 1)
	net := newToyNet(7)
	err := Train(context.Background(), net, data, TrainConfig{Epochs: 2, BatchSize: 32, LR: 3e-3, Seed: 1}, func(p Progress) {
		fmt.Printf("epoch %d/%d\n", p.Epoch, p.Epochs)
	})
	fmt.Println(err)
	// Output:
	// epoch 1/2
	// epoch 2/2
	// <nil>
}
