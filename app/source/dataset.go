package source

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// NumClasses is the number of classes of both MNIST and Fashion-MNIST.
const NumClasses = 10

// Name identifies a dataset.
type Name string

// The datasets the toolkit knows.
const (
	MNIST   Name = "mnist"
	Fashion Name = "fashion"
)

// Names lists the known datasets in a stable order.
var Names = []Name{MNIST, Fashion}

// ParseName accepts "mnist", "fashion" and "fashion-mnist" (any case).
func ParseName(s string) (Name, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "mnist":
		return MNIST, nil
	case "fashion", "fashion-mnist", "fashionmnist", "fmnist":
		return Fashion, nil
	}
	return "", fmt.Errorf("source: unknown dataset %q (want mnist or fashion)", s)
}

// String returns the short name.
func (n Name) String() string { return string(n) }

// Dir is the dataset's folder name inside a data directory, as in the
// official distributions ("mnist", "fashion-mnist").
func (n Name) Dir() string {
	if n == Fashion {
		return "fashion-mnist"
	}
	return string(n)
}

// ClassNames returns the human-readable class names.
func (n Name) ClassNames() []string {
	if n == Fashion {
		// Zalando's README, "Labels".
		return []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	}
	return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
}

// Split is a dataset split.
type Split string

// The two official splits.
const (
	Train Split = "train"
	Test  Split = "t10k"
)

// File describes one official dataset file.
type File struct {
	Dataset Name
	Split   Split
	Kind    string // "images" or "labels"
	Base    string // file name, e.g. "train-images-idx3-ubyte.gz"
	Size    int64  // bytes of the official .gz file
	// GzipSHA256 is the SHA-256 of the official .gz file, as published
	// (torchvision pins the same values).
	GzipSHA256 string
	// DataSHA256 is the SHA-256 of the decompressed IDX content; it also
	// verifies repackaged copies (Debian rewrites the gzip headers).
	DataSHA256 string
}

// Files is the catalogue of the eight official files with their checksums
// (from ../shared/datasets/README.md; decompressed hashes computed from the
// verified files).
var Files = []File{
	{MNIST, Train, "images", "train-images-idx3-ubyte.gz", 9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
	{MNIST, Train, "labels", "train-labels-idx1-ubyte.gz", 28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
	{MNIST, Test, "images", "t10k-images-idx3-ubyte.gz", 1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
	{MNIST, Test, "labels", "t10k-labels-idx1-ubyte.gz", 4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
	{Fashion, Train, "images", "train-images-idx3-ubyte.gz", 26421880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
	{Fashion, Train, "labels", "train-labels-idx1-ubyte.gz", 29515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
	{Fashion, Test, "images", "t10k-images-idx3-ubyte.gz", 4422102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
	{Fashion, Test, "labels", "t10k-labels-idx1-ubyte.gz", 5148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
}

// FilesOf returns the two files (images, labels) of one split.
func FilesOf(name Name, split Split) (images, labels File) {
	for _, f := range Files {
		if f.Dataset == name && f.Split == split {
			if f.Kind == "images" {
				images = f
			} else {
				labels = f
			}
		}
	}
	return images, labels
}

// A Dataset is a set of equally sized grayscale images with class labels.
type Dataset struct {
	Name       Name
	Split      Split
	Rows, Cols int
	Pixels     []byte // Len()*Rows*Cols bytes, image after image, row-major
	Labels     []byte // one class index per image
}

// Len returns the number of images.
func (d *Dataset) Len() int { return len(d.Labels) }

// ImageSize returns Rows*Cols.
func (d *Dataset) ImageSize() int { return d.Rows * d.Cols }

// Image returns image i; the slice aliases d.Pixels.
func (d *Dataset) Image(i int) []byte {
	s := d.ImageSize()
	return d.Pixels[i*s : (i+1)*s : (i+1)*s]
}

// Slice returns images [from, to) as a Dataset sharing d's storage.
func (d *Dataset) Slice(from, to int) *Dataset {
	s := d.ImageSize()
	c := *d
	c.Pixels = d.Pixels[from*s : to*s]
	c.Labels = d.Labels[from:to]
	return &c
}

//go:embed embedded
var embedded embed.FS

var testCache struct {
	sync.Mutex
	sets map[Name]*Dataset
}

// LoadTest returns the official 10k test set of name from the copy embedded in
// the binary, after checking its SHA-256 against the catalogue. The result is
// shared between callers and must not be modified.
func LoadTest(name Name) (*Dataset, error) {
	testCache.Lock()
	defer testCache.Unlock()
	if d := testCache.sets[name]; d != nil {
		return d, nil
	}
	img, lab := FilesOf(name, Test)
	if img.Base == "" {
		return nil, fmt.Errorf("source: unknown dataset %q", name)
	}
	open := func(f File) (io.Reader, error) {
		b, err := embedded.ReadFile("embedded/" + name.Dir() + "/" + f.Base)
		if err != nil {
			return nil, err
		}
		if got := sha256Hex(b); got != f.GzipSHA256 {
			return nil, fmt.Errorf("source: embedded %s/%s: SHA-256 %s, want %s", name.Dir(), f.Base, got, f.GzipSHA256)
		}
		return bytes.NewReader(b), nil
	}
	d, err := load(name, Test, img, lab, open)
	if err != nil {
		return nil, err
	}
	if testCache.sets == nil {
		testCache.sets = map[Name]*Dataset{}
	}
	testCache.sets[name] = d
	return d, nil
}

// EmbeddedFile returns the bytes of an embedded test-set file.
func EmbeddedFile(f File) ([]byte, error) {
	if f.Split != Test {
		return nil, fmt.Errorf("source: only the test sets are embedded, not %s/%s", f.Dataset.Dir(), f.Base)
	}
	return embedded.ReadFile("embedded/" + f.Dataset.Dir() + "/" + f.Base)
}

func load(name Name, split Split, img, lab File, open func(File) (io.Reader, error)) (*Dataset, error) {
	ri, err := open(img)
	if err != nil {
		return nil, err
	}
	if c, ok := ri.(io.Closer); ok {
		defer c.Close()
	}
	n, rows, cols, px, err := ReadIDXImages(ri)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", name.Dir(), img.Base, err)
	}
	rl, err := open(lab)
	if err != nil {
		return nil, err
	}
	if c, ok := rl.(io.Closer); ok {
		defer c.Close()
	}
	labels, err := ReadIDXLabels(rl, NumClasses)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", name.Dir(), lab.Base, err)
	}
	if len(labels) != n {
		return nil, fmt.Errorf("source: %s %s: %d images but %d labels", name, split, n, len(labels))
	}
	return &Dataset{Name: name, Split: split, Rows: rows, Cols: cols, Pixels: px, Labels: labels}, nil
}

// EnvDataDir is the environment variable naming the data directory.
const EnvDataDir = "HESEMCOM_DATA"

// DebianDataDir is where Debian's dataset packages install (dataset-fashion-mnist
// puts its files in DebianDataDir/fashion-mnist).
const DebianDataDir = "/usr/share/datasets"

// DataDirs returns the directories searched for training sets, in order: the
// explicit flag value, $HESEMCOM_DATA, then Debian's dataset location.
func DataDirs(flag string) []string {
	var dirs []string
	for _, d := range []string{flag, os.Getenv(EnvDataDir), DebianDataDir} {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// ErrNotFound reports that a dataset file is in none of the searched directories.
var ErrNotFound = errors.New("source: dataset file not found")

// Locate finds f in dirs: DIR/<dataset dir>/<base>, also without the .gz
// suffix (an already decompressed file).
func Locate(f File, dirs []string) (string, error) {
	for _, d := range dirs {
		for _, base := range []string{f.Base, strings.TrimSuffix(f.Base, ".gz")} {
			p := filepath.Join(d, f.Dataset.Dir(), base)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%w: %s/%s in %v (set --data or %s, or run 'hesemcom data fetch')", ErrNotFound, f.Dataset.Dir(), f.Base, dirs, EnvDataDir)
}

// LoadTrain reads the 60k training set of name from the first of dirs that
// has it. Use DataDirs to build dirs. The content is checked against the
// catalogue's decompressed SHA-256 only by Verify, not here, so that loading
// stays fast; the IDX structure is always validated.
func LoadTrain(name Name, dirs []string) (*Dataset, error) {
	img, lab := FilesOf(name, Train)
	if img.Base == "" {
		return nil, fmt.Errorf("source: unknown dataset %q", name)
	}
	open := func(f File) (io.Reader, error) {
		p, err := Locate(f, dirs)
		if err != nil {
			return nil, err
		}
		return os.Open(p)
	}
	return load(name, Train, img, lab, open)
}

// Status is the result of verifying one file.
type Status struct {
	File     File   `json:"-"`
	Dataset  Name   `json:"dataset"`
	Split    Split  `json:"split"`
	Kind     string `json:"kind"`
	Path     string `json:"path"`     // "embedded" for the built-in test sets
	SHA256   string `json:"sha256"`   // of the decompressed content
	Verified bool   `json:"verified"` // SHA256 matches the catalogue
	Err      string `json:"error,omitempty"`
}

// Verify checks the decompressed SHA-256 of the file at path against f.
func Verify(f File, path string) Status {
	st := Status{File: f, Dataset: f.Dataset, Split: f.Split, Kind: f.Kind, Path: path}
	fh, err := os.Open(path)
	if err != nil {
		st.Err = err.Error()
		return st
	}
	defer fh.Close()
	st.SHA256, err = dataSHA256(fh)
	if err != nil {
		st.Err = err.Error()
		return st
	}
	st.Verified = st.SHA256 == f.DataSHA256
	if !st.Verified {
		st.Err = "checksum mismatch: want " + f.DataSHA256
	}
	return st
}

// VerifyEmbedded checks an embedded test-set file.
func VerifyEmbedded(f File) Status {
	st := Status{File: f, Dataset: f.Dataset, Split: f.Split, Kind: f.Kind, Path: "embedded"}
	b, err := EmbeddedFile(f)
	if err != nil {
		st.Err = err.Error()
		return st
	}
	st.SHA256, err = dataSHA256(bytes.NewReader(b))
	if err != nil {
		st.Err = err.Error()
		return st
	}
	st.Verified = st.SHA256 == f.DataSHA256 && sha256Hex(b) == f.GzipSHA256
	if !st.Verified {
		st.Err = "checksum mismatch"
	}
	return st
}

func dataSHA256(r io.Reader) (string, error) {
	zr, closeFn, err := gunzipIfNeeded(r)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, zr); err != nil {
		return "", fmt.Errorf("%w: %v", ErrIDXFormat, err)
	}
	if err := closeFn(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
