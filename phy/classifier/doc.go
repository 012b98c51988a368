// Package classifier owns the receiver-side image classifier of the classical
// baseline (the paper's Model 1, Table III: "the classification is achieved by
// the ResNet deployed at the receiver"): a small residual CNN over 28×28
// grayscale images, its training on clean images, a versioned model file and
// the pretrained models embedded in the binary (one per dataset).
//
// Architecture (Config defaults): conv 3×3×Width + BN + ReLU at 28×28,
// max-pool 2 (14×14), Blocks residual blocks of two conv 3×3 + BN — the first
// with stride 2 and twice the width (7×7×2·Width) and a 1×1 stride-2 conv + BN
// shortcut (He et al. 2016, "option B"), the others with identity shortcuts —
// a ReLU after each sum, global average pooling and a dense layer to the
// classes.
//
// A Model is not safe for concurrent use (it holds scratch tensors); Clone
// gives each goroutine a copy sharing the weights. Classify takes 8-bit
// pixels and scales them to [0, 1].
//
// It imports the standard library and internal/nn only (DESIGN.md §2: phy may
// import internal/).
package classifier
