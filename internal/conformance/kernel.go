package conformance

import (
	"reflect"
	"slices"
	"testing"
)

// Kernel describes a stream kernel of the convention-5 shape for KernelSuite.
type Kernel[In, Out any] struct {
	// Fn is the kernel: it writes into dst[:0], growing it only when its
	// capacity is short, and returns the result.
	Fn func(dst []Out, src []In) ([]Out, error)
	// OutLen is the kernel's declared rate (nil: not checked).
	OutLen func(n int) int
	// Inputs are valid inputs; each is run through every check.
	Inputs [][]In
	// Stateful kernels (ciphers with a running keystream, channels drawing
	// noise) give different outputs for equal inputs; the suite then skips
	// the checks that compare two runs.
	Stateful bool
	// MayAllocate skips the zero-allocation check.
	MayAllocate bool
}

// KernelSuite checks the stream-kernel contract of CONVENTIONS.md §5 and §17
// on every input: the output length is OutLen(len(src)); src is not
// modified; the output does not alias src (so src is not retained); a dst
// with enough capacity is reused rather than reallocated; equal calls give
// equal outputs (unless Stateful); and a call with a right-sized dst does
// not allocate (unless MayAllocate).
func KernelSuite[In, Out any](t *testing.T, k Kernel[In, Out]) {
	t.Helper()
	if len(k.Inputs) == 0 {
		t.Fatal("conformance: KernelSuite needs at least one input")
	}
	for i, in := range k.Inputs {
		src := slices.Clone(in)
		out, err := k.Fn(nil, src)
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		if k.OutLen != nil && len(out) != k.OutLen(len(src)) {
			t.Errorf("input %d: %d outputs for %d inputs, OutLen says %d", i, len(out), len(src), k.OutLen(len(src)))
		}
		if !reflect.DeepEqual(src, in) {
			t.Errorf("input %d: src was modified", i)
		}
		if len(out) > 0 && len(src) > 0 && overlaps(out, src) {
			t.Errorf("input %d: the output aliases src", i)
		}
		dst := make([]Out, 0, len(out)+8)
		got, err := k.Fn(dst, src)
		if err != nil {
			t.Fatalf("input %d, second call: %v", i, err)
		}
		if len(got) > 0 && &got[:1][0] != &dst[:1][0] {
			t.Errorf("input %d: a dst with capacity %d was not reused", i, cap(dst))
		}
		if !k.Stateful && !same(got, out) {
			t.Errorf("input %d: equal calls give different outputs", i)
		}
		// Stale contents of dst must not leak into the result.
		dirty := slices.Clone(got)
		got2, err := k.Fn(dirty[:0], src)
		if err == nil && !k.Stateful && !same(got2, out) {
			t.Errorf("input %d: the result depends on the old contents of dst", i)
		}
		if !k.MayAllocate {
			if n := testing.AllocsPerRun(20, func() { k.Fn(dst[:0], src) }); n != 0 {
				t.Errorf("input %d: %v allocations per call with a right-sized dst, want 0", i, n)
			}
		}
	}
}

// same compares outputs, treating nil and empty alike.
func same[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

// overlaps reports whether the backing arrays of a and b share memory, which
// only happens if the kernel returned (part of) src as its output.
func overlaps[A, B any](a []A, b []B) bool {
	pa := reflect.ValueOf(a).Pointer()
	pb := reflect.ValueOf(b).Pointer()
	ea := pa + uintptr(cap(a))*reflect.TypeFor[A]().Size()
	eb := pb + uintptr(cap(b))*reflect.TypeFor[B]().Size()
	return pa < eb && pb < ea
}
