package archtest

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/hesemcom/hesemcom"

// A rule restricts what the non-test code of matching packages may import.
type rule struct {
	applies func(pkg string) bool
	// allowed reports whether pkg may import imp; why explains the rule.
	allowed func(pkg, imp string) bool
	why     string
}

func under(prefixes ...string) func(string) bool {
	return func(p string) bool {
		for _, pre := range prefixes {
			if p == pre || strings.HasPrefix(p, pre+"/") {
				return true
			}
		}
		return false
	}
}

func isStd(imp string) bool { return !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") }

func project(imp string) (string, bool) {
	if imp == module {
		return "", true
	}
	if strings.HasPrefix(imp, module+"/") {
		return strings.TrimPrefix(imp, module+"/"), true
	}
	return "", false
}

func tree(p string) string { return strings.SplitN(p, "/", 2)[0] }

var rules = []rule{
	{
		applies: under("app", "phy", "modem"),
		allowed: func(pkg, imp string) bool {
			p, ok := project(imp)
			if !ok {
				return true
			}
			return tree(p) == tree(pkg) || (tree(p) == "internal" && !under("internal/archtest")(p))
		},
		why: "app/, phy/ and modem/ are sibling trees: they import their own tree and internal/ only, never pipeline, sim, cmd or testvectors",
	},
	{
		applies: func(p string) bool { return p == "pipeline" },
		allowed: func(_, imp string) bool { return isStd(imp) || under("golang.org/x/sync")(imp) },
		why:     "pipeline imports the standard library and errgroup only",
	},
	{
		applies: under("internal/units", "internal/vec", "internal/bits"),
		allowed: func(_, imp string) bool { return isStd(imp) },
		why:     "the internal leaves import the standard library only",
	},
	{
		applies: under("testvectors"),
		allowed: func(_, imp string) bool { return isStd(imp) },
		why:     "testvectors imports the standard library only",
	},
	{
		applies: func(p string) bool { return p == "sim" },
		allowed: func(_, imp string) bool {
			p, ok := project(imp)
			return !ok || tree(p) == "internal" || p == "pipeline"
		},
		why: "sim is the domain-free Monte Carlo engine",
	},
	{
		applies: func(string) bool { return true },
		allowed: func(pkg, imp string) bool {
			return !under("github.com/tuneinsight/lattigo")(imp) || pkg == "app/he" || strings.HasPrefix(pkg, "app/he/")
		},
		why: "app/he is the only importer of Lattigo (the HE seam)",
	},
	{
		applies: func(string) bool { return true },
		allowed: func(pkg, imp string) bool {
			return !under("github.com/google/gopacket")(imp) || pkg == "phy/frame"
		},
		why: "phy/frame is the only importer of gopacket",
	},
	{
		applies: func(string) bool { return true },
		allowed: func(pkg, imp string) bool {
			p, ok := project(imp)
			return !ok || !under("testvectors")(p)
		},
		why: "testvectors is imported by _test.go files only",
	},
	{
		applies: func(string) bool { return true },
		allowed: func(_, imp string) bool {
			p, ok := project(imp)
			return !ok || !under("cmd")(p)
		},
		why: "nothing imports the CLI",
	},
}

func moduleRoot(t *testing.T) string {
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	return dir
}

func TestImportPolicy(t *testing.T) {
	root := moduleRoot(t)
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			t.Errorf("%s: %v", path, err)
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		checked++
		for _, imp := range pkg.Imports {
			for _, r := range rules {
				if r.applies(rel) && !r.allowed(rel, imp) {
					t.Errorf("%s imports %s: %s", rel, imp, r.why)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Fatalf("only %d packages checked", checked)
	}
}

// TestRulesBite makes sure the policy rejects what it should, so the test
// above cannot pass vacuously.
func TestRulesBite(t *testing.T) {
	bad := [][2]string{
		{"modem/qam", module + "/phy/channel"},
		{"app/he", module + "/pipeline"},
		{"pipeline", module + "/internal/units"},
		{"pipeline", "gonum.org/v1/gonum/floats"},
		{"internal/units", "golang.org/x/sync/errgroup"},
		{"sim", module + "/app/he"},
		{"phy/jscc", "github.com/tuneinsight/lattigo/v5/he/hefloat"},
		{"sim/link", "github.com/google/gopacket/layers"},
		{"app/nea", module + "/testvectors"},
		{"sim/link", module + "/cmd/hesemcom"},
		{"testvectors", module + "/internal/units"},
	}
	for _, b := range bad {
		ok := true
		for _, r := range rules {
			if r.applies(b[0]) && !r.allowed(b[0], b[1]) {
				ok = false
			}
		}
		if ok {
			t.Errorf("%s importing %s was allowed", b[0], b[1])
		}
	}
	good := [][2]string{
		{"modem/qam", module + "/internal/vec"},
		{"app/nea", module + "/app/internal/snow3g"},
		{"app/he", "github.com/tuneinsight/lattigo/v5/he/hefloat"},
		{"phy/frame", "github.com/google/gopacket/pcapgo"},
		{"sim/link", module + "/app/he"},
		{"pipeline", "golang.org/x/sync/errgroup"},
	}
	for _, g := range good {
		for _, r := range rules {
			if r.applies(g[0]) && !r.allowed(g[0], g[1]) {
				t.Errorf("%s importing %s was refused: %s", g[0], g[1], r.why)
			}
		}
	}
}
