// Package codec owns the source codecs of the classical baseline (paper's
// Model 1): JPEG 2000 through OpenJPEG's command-line tools
// (opj_compress/opj_decompress, Debian package libopenjp2-tools) and JPEG
// through the standard library's image/jpeg, which is always available and
// is the fallback when the OpenJPEG tools are missing.
//
// Each 8-bit grayscale image is coded to at most Config.Budget payload bytes
// (196 by default: DESIGN.md §3, "≤196 source bytes per 784-pixel image").
// At this size the headers dominate, so a payload carries only what the
// receiver cannot rebuild from the agreed Config:
//
//   - JPEG 2000: the tile-part's packet data (between SOD and EOC). The main
//     header (SOC, SIZ, COD, QCD), the comment marker, the SOT/SOD tile-part
//     header and EOC are rebuilt; the main header depends only on the
//     Config (ITU-T T.800 Annex A), so sender and receiver derive the same
//     one by coding a blank image with the agreed options. By default
//     (Resolutions = Adaptive) the encoder codes each image with 1 and with 2
//     resolution levels and sends the better one behind a one-byte mode
//     selector: without a wavelet decomposition MNIST digits code far better
//     at this size, Fashion-MNIST items slightly worse.
//   - JPEG: one byte holding the quality (the quantisation table follows from
//     it) and the entropy-coded scan. SOI, DQT, SOF0, DHT, SOS and EOI are
//     rebuilt: the standard library always writes the same Huffman tables
//     (ITU-T T.81 Annex K.3) and derives DQT from the quality alone.
//
// Rate control searches the coder's parameter (the OpenJPEG compression
// ratio, the JPEG quality) for the best quality whose payload fits Budget.
//
// It imports the standard library only; the OpenJPEG tools are run with
// os/exec, each call in its own temporary directory, so a Codec is safe for
// concurrent use.
package codec
