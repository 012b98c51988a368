// Package nn is a small float32 neural-network toolkit for the deep JSCC
// models of phy/jscc and the receiver-side classifier of the classical
// baseline. It owns tensors, layers with forward and backward passes
// (Conv2D, Dense, Square, ReLU, average/max/global-average pooling, Flatten,
// batch normalisation, residual blocks, per-sample and fixed-gain power
// normalisation, an AWGN channel layer), softmax cross-entropy, Adam and a
// deterministic data-parallel trainer.
//
// It may import the standard library, internal/units and gonum's BLAS
// (gonum.org/v1/gonum/blas, blas32) only.
//
// Layout. A Tensor is a batch of N samples of Shape{C, H, W}, stored
// sample-major, then channel, row, column (NCHW). Dense data uses
// Shape{F, 1, 1}.
//
// Ownership and aliasing. Forward caches its input for Backward: the caller
// must not modify the input tensor until Backward has run. The tensor a layer
// returns from Forward or Backward is owned by the layer and is overwritten by
// its next call; Flatten returns views of its input. Layers never modify
// their inputs. A layer value is not safe for concurrent use; Clone returns a
// copy that shares the parameter values (read-only during a step) and owns its
// gradients and scratch, which is how the trainer runs shards in parallel.
//
// Errors and panics. Invalid configurations (negative sizes, kernels larger
// than the padded input) are returned as errors by the constructors and by
// OutShape; a tensor of the wrong shape passed to Forward or Backward is a
// programming error and panics with an "nn: ..." message.
//
// Determinism. All randomness comes from seeded math/rand/v2 generators. The
// trainer splits each mini-batch into a fixed number of shards (TrainConfig.Shards),
// computes their gradients concurrently and sums them in shard order, so a
// training run is bit-identical for a seed whatever GOMAXPROCS is.
//
// SNR convention (DESIGN.md §3): the AWGN layer treats consecutive pairs of
// real features as one complex channel symbol and adds complex Gaussian noise
// of variance N0 = 10^(−SNR/10), N0/2 per real feature; the power
// normalisation layers scale the features to an average power of 1 per complex
// symbol (1/2 per real feature).
package nn
