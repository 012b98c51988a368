package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadTestSets(t *testing.T) {
	// Class counts of the official test sets (datasets README: MNIST's
	// well-known counts; Fashion-MNIST has 1000 per class).
	want := map[Name][NumClasses]int{
		MNIST:   {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009},
		Fashion: {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000},
	}
	for _, name := range Names {
		t.Run(string(name), func(t *testing.T) {
			d, err := LoadTest(name)
			if err != nil {
				t.Fatal(err)
			}
			if d.Len() != 10000 || d.Rows != 28 || d.Cols != 28 || len(d.Pixels) != 10000*784 {
				t.Fatalf("got %d images of %d×%d", d.Len(), d.Rows, d.Cols)
			}
			var counts [NumClasses]int
			for _, l := range d.Labels {
				counts[l]++
			}
			if counts != want[name] {
				t.Fatalf("class counts %v, want %v", counts, want[name])
			}
			if img := d.Image(9999); len(img) != 784 || cap(img) != 784 {
				t.Fatal("Image slice")
			}
			if s := d.Slice(10, 20); s.Len() != 10 || s.Image(0)[100] != d.Image(10)[100] {
				t.Fatal("Slice")
			}
			again, _ := LoadTest(name)
			if again != d {
				t.Fatal("test set not cached")
			}
		})
	}
}

func TestVerifyEmbedded(t *testing.T) {
	for _, f := range Files {
		if f.Split != Test {
			continue
		}
		if st := VerifyEmbedded(f); !st.Verified {
			t.Errorf("%s/%s: %s", f.Dataset, f.Base, st.Err)
		}
	}
}

func TestParseName(t *testing.T) {
	for in, want := range map[string]Name{"mnist": MNIST, "MNIST": MNIST, "fashion": Fashion, "fashion-mnist": Fashion} {
		if got, err := ParseName(in); err != nil || got != want {
			t.Errorf("%q: got %q, %v", in, got, err)
		}
	}
	if _, err := ParseName("cifar"); err == nil {
		t.Error("cifar accepted")
	}
}

func TestLoadTrainNotFound(t *testing.T) {
	_, err := LoadTrain(MNIST, []string{t.TempDir()})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v", err)
	}
}

// TestLoadTrainFromDataDir uses a data directory laid out like the official
// distribution; it is built here from the embedded test set, so the test
// needs no download.
func TestLoadTrainFromDataDir(t *testing.T) {
	dir := t.TempDir()
	img, lab := FilesOf(MNIST, Test)
	for _, f := range []File{img, lab} {
		b, err := EmbeddedFile(f)
		if err != nil {
			t.Fatal(err)
		}
		train := strings.Replace(f.Base, "t10k", "train", 1)
		os.MkdirAll(filepath.Join(dir, "mnist"), 0o755)
		if err := os.WriteFile(filepath.Join(dir, "mnist", train), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := LoadTrain(MNIST, []string{"/nonexistent", dir})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 10000 || d.Split != Train {
		t.Fatalf("loaded %d images, split %s", d.Len(), d.Split)
	}
	// Its checksum is the test set's, not the training set's.
	trainImg, _ := FilesOf(MNIST, Train)
	p, _ := Locate(trainImg, []string{dir})
	if st := Verify(trainImg, p); st.Verified {
		t.Fatal("wrong file verified")
	}
}

func TestDataDirs(t *testing.T) {
	t.Setenv(EnvDataDir, "/env")
	got := DataDirs("/flag")
	if fmt.Sprint(got) != fmt.Sprint([]string{"/flag", "/env", DebianDataDir}) {
		t.Fatalf("got %v", got)
	}
}

// TestFetch serves the embedded test files (renamed as a fake mirror would)
// from a local server: good files are saved, corrupt ones rejected without
// leaving anything behind.
func TestFetch(t *testing.T) {
	served := map[string][]byte{}
	for _, f := range Files {
		if f.Dataset != MNIST {
			continue
		}
		if f.Split == Test {
			b, _ := EmbeddedFile(f)
			served["/good/"+f.Base] = b
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := served[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()

	// The training files are not served: Fetch must fail on them, after
	// having stored the verified test files.
	dir := t.TempDir()
	err := Fetch(context.Background(), srv.Client(), MNIST, dir, []string{srv.URL + "/good/"}, nil)
	if err == nil || !strings.Contains(err.Error(), "train-images") {
		t.Fatalf("got %v", err)
	}
	img, lab := FilesOf(MNIST, Test)
	for _, f := range []File{img, lab} {
		if st := Verify(f, filepath.Join(dir, "mnist", f.Base)); !st.Verified {
			t.Fatalf("%s not saved: %s", f.Base, st.Err)
		}
	}

	// A mirror serving corrupt bytes: nothing is written.
	served["/bad/"+img.Base] = append([]byte{1}, served["/good/"+img.Base][1:]...)
	dir2 := t.TempDir()
	img2 := img
	err = fetchOne(context.Background(), srv.Client(), srv.URL+"/bad/"+img.Base, filepath.Join(dir2, img.Base), img2)
	if err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("got %v", err)
	}
	if entries, _ := os.ReadDir(dir2); len(entries) != 0 {
		t.Fatalf("left %d files behind", len(entries))
	}
}

func ExampleLoadTest() {
	d, err := LoadTest(MNIST)
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Len(), d.Rows, d.Cols, d.Labels[0])
	// Output: 10000 28 28 7
}
