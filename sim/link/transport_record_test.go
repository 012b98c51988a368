package link

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// validSidecar is a well-formed recording sidecar of two batches.
const validSidecar = `{"version":1,"he_params":"LogN=13","dataset":"mnist","channel":"tdl-a","snr_db":20,
"weights":"per-snr","sample_rate":3840000,"digital":{"bits":46,"degree2":false,"qm":4,"rate":0.5,
"frame_bytes":1024,"iterations":20,"loss":"erase","harq":4},"batches":[
{"from":0,"images":2,"key_id":1,"sample_start":0,"samples":100,"frames":3,"frames_lost":1,"retransmissions":2,"labels":[1,255]},
{"from":2,"images":1,"key_id":1,"sample_start":100,"samples":50,"frames":2,"frames_lost":0,"labels":[7]}]}`

func TestReadRecordingChecks(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "rec")
	write := func(s string) {
		if err := os.WriteFile(base+RecordingExt, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(validSidecar)
	r, err := ReadRecording(base + ".sigmf-meta")
	if err != nil {
		t.Fatal(err)
	}
	if r.Digital.HARQ != 4 || len(r.Batches) != 2 || r.Batches[0].Retransmissions != 2 {
		t.Fatalf("read %+v", r)
	}
	for _, c := range []struct{ old, new, want string }{
		{`"version":1`, `"version":2`, "version 2"},
		{`"dataset":"mnist"`, `"dataset":"cifar"`, "cifar"},
		{`"channel":"tdl-a"`, `"channel":"tdl-z"`, "tdl-z"},
		{`"weights":"per-snr"`, `"weights":"some"`, "some"},
		{`"snr_db":20`, `"snr_db":1e300`, "SNR"},
		{`"sample_rate":3840000`, `"sample_rate":-1`, "sample rate"},
		{`"harq":4`, `"harq":99`, "HARQ"},
		{`"qm":4`, `"qm":5`, "Qm"},
		{`"labels":[1,255]`, `"labels":[1]`, "labels"},
		{`"sample_start":100`, `"sample_start":90`, "do not follow"},
		{`"frames_lost":1`, `"frames_lost":4`, "lost"},
		{`"loss":"erase"`, `"loss":"drop"`, "drop"},
	} {
		write(strings.Replace(validSidecar, c.old, c.new, 1))
		if _, err := ReadRecording(base); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming %q", c.new, err, c.want)
		}
	}
	os.Remove(base + RecordingExt)
	if _, err := ReadRecording(base); err == nil {
		t.Error("a missing sidecar read")
	}
}

// FuzzReadRecording: any sidecar is read or rejected with an error, never a
// panic, and what is read writes back to the same recording.
func FuzzReadRecording(f *testing.F) {
	f.Add([]byte(validSidecar))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"dataset":"fashion","channel":"awgn","weights":"agnostic","digital":{"loss":"batch"},"batches":[]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseRecording(data, "fuzz")
		if err != nil {
			return
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := parseRecording(b, "fuzz")
		if err != nil {
			t.Fatalf("written back: %v", err)
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("round trip: %+v, want %+v", again, r)
		}
	})
}
