package main

import (
	"encoding/json"
	"testing"
)

func TestLDPCBLERJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a small Monte Carlo sweep")
	}
	code, out, stderr := runCLI(t, "ldpc", "bler", "-k", "64", "-n", "128", "--iters", "10",
		"--ebn0", "1,6", "--target-errors", "5", "--max-blocks", "200", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Code struct {
			K, E      int
			BaseGraph string `json:"base_graph"`
		} `json:"code"`
		Points []struct {
			EbN0        float64 `json:"ebn0_db"`
			Blocks      int     `json:"blocks"`
			BlockErrors int     `json:"block_errors"`
			BLER        float64 `json:"bler"`
		} `json:"points"`
		EbN0AtTarget *float64 `json:"ebn0_at_target_db"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if res.Code.K != 64 || res.Code.E != 128 || res.Code.BaseGraph != "BG2" || len(res.Points) != 2 {
		t.Fatalf("unexpected result %+v", res)
	}
	// At 1 dB a K=64 rate-1/2 code fails often (its 1e-2 point is near
	// 3.2 dB); at 6 dB essentially never.
	lo, hi := res.Points[0], res.Points[1]
	if lo.BlockErrors != 5 || hi.BlockErrors > 1 || hi.Blocks != 200 || res.EbN0AtTarget == nil {
		t.Fatalf("points %+v %+v, crossing %v", lo, hi, res.EbN0AtTarget)
	}
}

func TestLDPCUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"ldpc", "bler", "--ebn0", "1:x:2"},
		{"ldpc", "bler", "-k", "0"},
		{"ldpc", "bler", "-n", "129"},
		{"ldpc", "info", "--bg", "BG3"},
		{"ldpc", "bler", "--alg", "turbo"},
	} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
