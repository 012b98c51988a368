package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hesemcom/hesemcom/app/source"
	"github.com/hesemcom/hesemcom/phy/jscc"
)

func TestEvalJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the embedded models on 1000 test images")
	}
	if len(jscc.PretrainedNames()) == 0 {
		t.Fatal("no embedded JSCC models")
	}
	for _, model := range []string{"original", "he"} {
		var out, errb bytes.Buffer
		code := run([]string{"eval", "--dataset", "mnist", "--model", model, "--snr", "5,25", "--limit", "1000", "--trials", "2", "--json"}, &out, &errb)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", model, code, errb.String())
		}
		var res evalResult
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%s: %v\n%s", model, err, out.String())
		}
		if len(res.Results) != 2 || res.TestImages != 1000 || res.ChannelUses != 98 || len(res.Results[0].Accuracies) != 2 {
			t.Fatalf("%s: unexpected result %+v", model, res)
		}
		// The embedded models are far above chance (10%) and better at 25 dB
		// than at 5 dB; the full tables are in phy/jscc/RESULTS.md.
		lo, hi := res.Results[0].Accuracy, res.Results[1].Accuracy
		if hi < 0.85 || hi < lo {
			t.Errorf("%s: accuracy %.3f at 5 dB, %.3f at 25 dB", model, lo, hi)
		}
	}
}

func TestEvalUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"eval", "--model", "tanh"},
		{"eval", "--dataset", "cifar"},
		{"eval", "--snr", "10,x"},
		{"eval", "--trials", "0"},
		{"train", "--model", "he", "--snr", "20:10", "--out", "x"},
		{"train", "--recipe", "nope", "--out", "x"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errb.String())
		}
	}
}

func TestTrainSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on 4000 images")
	}
	if _, err := source.LoadTrain(source.MNIST, source.DataDirs("")); errors.Is(err, source.ErrNotFound) {
		t.Skipf("MNIST training set not available (set %s): %v", source.EnvDataDir, err)
	}
	path := filepath.Join(t.TempDir(), "m.jscc")
	var out, errb bytes.Buffer
	code := run([]string{"train", "--model", "he", "--snr", "10", "--epochs", "3", "--limit", "4000", "--out", path, "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := jscc.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.Dataset != "mnist" || m.Meta.SNRLo != 10 || m.Meta.TestAcc < 0.5 {
		t.Errorf("meta %+v", m.Meta)
	}
}
