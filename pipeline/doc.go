// Package pipeline is the block/stream runtime of hesemcom: every stage of a
// streaming chain runs in its own goroutine and stages are chained by small
// buffered Go channels that carry frames (batches of items), never single
// samples — GNU Radio's thread-per-block model with Go's channels and
// contexts.
//
// # Building and running a graph
//
//	g := pipeline.New()
//	src := pipeline.FromSlice(g, "src", samples, 4096)
//	x2 := pipeline.MapInPlace(g, "gain", src, scaleBy2)   // func(dst, src []complex64) ([]complex64, error)
//	out := pipeline.Collect(g, "sink", x2)
//	err := g.Run(ctx)
//
// Block constructors only declare a block and return its typed output
// channel; Run starts one goroutine per block (k for a ParallelMap), waits for
// all of them and returns the first error, which cancels every other block.
// The error names the block (and the frame, for kernel errors). Cancelling
// ctx stops a running graph promptly: every send and receive also selects on
// the context. Run returns only after every goroutine has exited.
//
// # Kernels
//
// Map adapts any function of the stream-kernel shape
// func(dst []Out, src []In) ([]Out, error): the kernel writes into dst[:0],
// growing it only when its capacity is short, and returns the result. Kernels
// are plain methods of the app, phy and modem packages, which never import
// this package.
//
// # Frame ownership
//
// Frames come from a Pool and ownership moves with every channel send: the
// sender must not touch a frame after sending it. A block that receives a
// frame either forwards it or releases it (Frame.Release returns it to its
// pool). Map releases its input after the kernel ran; Sink releases each frame
// after its callback returned, so callbacks must not retain frames or their
// Items. Tee hands the original frame to its first output and copies to the
// others.
//
// # Counters
//
// Every block counts frames and items in and out, the time spent working
// (busy), blocked waiting for input and blocked waiting for output, like GNU
// Radio's performance counters; Graph.Stats reports them, live or after Run,
// as text (Report) or JSON. The bottleneck (Bottleneck) is the block with the
// most busy time per worker: the one that bounds the chain's throughput.
//
// This package imports only the standard library and golang.org/x/sync; it
// imports nothing of the project.
package pipeline
