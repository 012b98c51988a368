// Package codec owns the source codecs of the classical baseline (paper's
// Model 1): JPEG 2000 through OpenJPEG and JPEG through the standard
// library's image/jpeg, which is always available and is the fallback when
// OpenJPEG is missing. OpenJPEG runs in process when libopenjp2.so.7
// (Debian package libopenjp2-7, a dependency of libopenjp2-tools) loads at
// run time (purego, no cgo: the build needs neither the library nor its
// headers), else as its command-line tools opj_compress/opj_decompress.
// Both give the same bytes. Payloads from the channel are decoded by
// opj_decompress in a child process whenever the tools are installed, so
// that a damaged codestream cannot crash the run (see j2kCodec).
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
// Every library call uses its own codec, image and memory stream, and every
// tool run its own temporary directory, so a Codec is safe for concurrent
// use.
package codec
