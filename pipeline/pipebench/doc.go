// Package pipebench measures the pipeline runtime itself on GNU Radio's
// framework chain: a repeating vector source → N × multiply-by-constant →
// null sink over complex64 frames, against the same arithmetic as one fused
// loop. It backs BenchmarkChain and the "hesemcom bench pipeline" command.
//
// GNU Radio 3.10 (thread per block, VOLK kernels) runs this chain at about
// 100, 50 and 38 million samples/s for N = 1, 4, 16 on the project's 2-core
// machines (shared/anchors/gr_throughput.py, chain B).
//
// It imports the standard library and the pipeline package only.
package pipebench
