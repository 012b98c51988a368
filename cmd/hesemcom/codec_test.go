package main

import (
	"encoding/json"
	"testing"
)

func TestCodecCmdJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the codec on real images")
	}
	code, out, stderr := runCLI(t, "codec", "--codec", "jpeg", "--n", "5", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Images   int     `json:"images"`
		MaxBytes int     `json:"max_payload_bytes"`
		Budget   int     `json:"budget_bytes"`
		MeanPSNR float64 `json:"mean_psnr_db"`
		Codec    string  `json:"codec"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Images != 5 || res.Codec != "jpeg" || res.MaxBytes > res.Budget || res.MeanPSNR <= 0 {
		t.Errorf("unexpected result %+v", res)
	}
}

func TestAvalancheCmdJSON(t *testing.T) {
	code, out, stderr := runCLI(t, "avalanche", "--trials", "50", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Results []struct {
			Mode  string  `json:"mode"`
			Ratio float64 `json:"plain_errors_per_cipher_error"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 2 || res.Results[0].Ratio != 1 || res.Results[1].Ratio < 30 {
		t.Errorf("unexpected result %+v", res.Results)
	}
}

func TestCodecUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"codec", "--dataset", "cifar"},
		{"codec", "--codec", "png"},
		{"codec", "--budget", "1"},
		{"avalanche", "--bytes", "20"},
	} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
