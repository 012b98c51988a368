package conformance

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// pairSum is a well-behaved 2:1 kernel.
func pairSum(dst []int, src []int) ([]int, error) {
	if len(src)%2 != 0 {
		return dst[:0], errors.New("odd length")
	}
	dst = dst[:0]
	for i := 0; i < len(src); i += 2 {
		dst = append(dst, src[i]+src[i+1])
	}
	return dst, nil
}

func TestKernelSuiteAccepts(t *testing.T) {
	KernelSuite(t, Kernel[int, int]{
		Fn:     pairSum,
		OutLen: func(n int) int { return n / 2 },
		Inputs: [][]int{{1, 2, 3, 4}, {}, {5, 6}},
	})
}

// Broken kernels, each violating one rule, run in a child process.
func TestKernelSuiteRejects(t *testing.T) {
	if os.Getenv("CONFORMANCE_BROKEN") != "" {
		return
	}
	for _, name := range []string{"Rate", "Aliases", "Allocates", "ModifiesSrc"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenKernelChild$/^"+name+"$")
		cmd.Env = append(os.Environ(), "CONFORMANCE_BROKEN=1")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "--- FAIL") {
			t.Errorf("%s: the suite accepted a broken kernel:\n%s", name, out)
		}
	}
}

func TestBrokenKernelChild(t *testing.T) {
	if os.Getenv("CONFORMANCE_BROKEN") == "" {
		t.Skip("run by TestKernelSuiteRejects")
	}
	in := [][]int{{1, 2, 3, 4}}
	half := func(n int) int { return n / 2 }
	t.Run("Rate", func(t *testing.T) {
		KernelSuite(t, Kernel[int, int]{Fn: pairSum, OutLen: func(n int) int { return n }, Inputs: in})
	})
	t.Run("Aliases", func(t *testing.T) {
		KernelSuite(t, Kernel[int, int]{Fn: func(dst, src []int) ([]int, error) { return src[:len(src)/2], nil }, OutLen: half, Inputs: in})
	})
	t.Run("Allocates", func(t *testing.T) {
		KernelSuite(t, Kernel[int, int]{Fn: func(dst, src []int) ([]int, error) { return pairSum(nil, src) }, OutLen: half, Inputs: in})
	})
	t.Run("ModifiesSrc", func(t *testing.T) {
		KernelSuite(t, Kernel[int, int]{Fn: func(dst, src []int) ([]int, error) { src[0]++; return pairSum(dst, src) }, OutLen: half, Inputs: in, Stateful: true})
	})
}
