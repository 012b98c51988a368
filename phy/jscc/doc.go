// Package jscc owns the deep joint source-channel coding (JSCC) models of the
// paper's Table III and their training with the channel in the loop:
//
//   - Model 2, the original deep JSCC (Arch Original): conv → ReLU → 2×2 max
//     pool → 196 features, normalised per sample → channel → FC 196→10.
//   - Model 3, the privacy-preserved JSCC of Table II (Arch HE): conv (one
//     output channel, "same" padding) → x² → 2×2 average pool → 196 features →
//     one fixed power gain → channel → FC 196→10. Only operations CKKS
//     evaluates; Model.Weights exports the plain weights for app/he.
//   - he-wide (Arch HEWide), beyond the paper: C conv channels → x² → 2×2
//     average pool → a linear projection to 196 features → fixed gain →
//     channel → FC 196→10, still a depth-2 multiplicative circuit.
//
// It also owns the versioned model file format (WriteTo, Read) and the
// pretrained models embedded in the binary (Pretrained, PretrainedNames).
// RESULTS.md next to this file holds the measured accuracy tables.
//
// Conventions. Pixels enter as value/255 in [0, 1]. The 196 real features
// form 98 complex channel symbols (features 2i, 2i+1 are the real and
// imaginary part of symbol i) with an average power of 1 per complex symbol
// (1/2 per real feature), and the channel adds complex noise of variance
// N0 = 10^(−SNR/10) (DESIGN.md §3). Model 2 reaches that power per image, the
// HE models on average over the training set through one gain calibrated
// after training. Channel uses per image: 98 complex symbols (196 real
// values, compression ratio 25% of 784 pixels).
//
// Imports: the standard library, internal/nn and internal/units only (not
// app/ or modem/; callers convert datasets to Images).
package jscc
