package conformance

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"hash"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// restartStream restarts its keystream on every call: a classic bug that
// StreamSuite must catch (split calls differ from one call).
type restartStream struct{ key []byte }

func (r restartStream) XORKeyStream(dst, src []byte) {
	b, _ := aes.NewCipher(r.key)
	cipher.NewCTR(b, make([]byte, 16)).XORKeyStream(dst, src)
}

// resettingSum is a hash whose Sum consumes the state: HashSuite must catch it.
type resettingSum struct{ hash.Hash }

func (r *resettingSum) Sum(b []byte) []byte {
	s := r.Hash.Sum(b)
	r.Hash.Reset()
	return s
}

// TestBrokenImplementations runs the suites on broken implementations in a
// child process and expects them to fail there, so the suites can fail.
func TestBrokenImplementations(t *testing.T) {
	if os.Getenv("CONFORMANCE_BROKEN") != "" {
		return
	}
	for _, name := range []string{"TestBrokenStreamChild", "TestBrokenHashChild", "TestBrokenKeystreamChild", "TestWrongKeystreamChild"} {
		cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$")
		cmd.Env = append(os.Environ(), "CONFORMANCE_BROKEN=1")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "--- FAIL") {
			t.Errorf("%s: the suite accepted a broken implementation:\n%s", name, out)
		}
	}
}

func TestBrokenStreamChild(t *testing.T) {
	if os.Getenv("CONFORMANCE_BROKEN") == "" {
		t.Skip("run by TestBrokenImplementations")
	}
	StreamSuite(t, func() cipher.Stream { return restartStream{key: make([]byte, 16)} })
}

func TestBrokenHashChild(t *testing.T) {
	if os.Getenv("CONFORMANCE_BROKEN") == "" {
		t.Skip("run by TestBrokenImplementations")
	}
	HashSuite(t, func() hash.Hash { return &resettingSum{sha256.New()} })
}

func TestBrokenKeystreamChild(t *testing.T) {
	if os.Getenv("CONFORMANCE_BROKEN") == "" {
		t.Skip("run by TestBrokenImplementations")
	}
	KeystreamSuite(t, func() *counterGen { return &counterGen{cloneReset: true} }, nil)
}

func TestWrongKeystreamChild(t *testing.T) {
	if os.Getenv("CONFORMANCE_BROKEN") == "" {
		t.Skip("run by TestBrokenImplementations")
	}
	KeystreamSuite(t, func() *counterGen { return &counterGen{} }, map[int]uint32{2: 1})
}
