package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Mirrors lists the official download locations of each dataset; the file
// base names are appended. MNIST: the mirror torchvision uses (LeCun's page
// no longer serves the files reliably); Fashion-MNIST: Zalando's own bucket.
var Mirrors = map[Name][]string{
	MNIST: {
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
		"http://yann.lecun.com/exdb/mnist/",
	},
	Fashion: {
		"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
	},
}

// Fetch downloads the files of name (both splits) from the given base URLs
// (Mirrors[name] when nil) into dir/<dataset dir>/, checking each file's size
// and SHA-256 against the catalogue. A file already present with the right
// checksum is not downloaded again, and a failed file does not stop the
// others: the error lists every file that could not be fetched. Files are written to a temporary name and
// renamed only once verified, so an interrupted fetch never leaves a bad file.
func Fetch(ctx context.Context, client *http.Client, name Name, dir string, mirrors []string, progress io.Writer) error {
	if client == nil {
		client = http.DefaultClient
	}
	if mirrors == nil {
		mirrors = Mirrors[name]
	}
	if len(mirrors) == 0 {
		return fmt.Errorf("source: no mirror for %q", name)
	}
	dst := filepath.Join(dir, name.Dir())
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	var failed []string
	for _, f := range Files {
		if f.Dataset != name {
			continue
		}
		path := filepath.Join(dst, f.Base)
		if Verify(f, path).Verified {
			if progress != nil {
				fmt.Fprintf(progress, "%s: present and verified\n", path)
			}
			continue
		}
		var errs []string
		ok := false
		for _, m := range mirrors {
			if err := fetchOne(ctx, client, strings.TrimSuffix(m, "/")+"/"+f.Base, path, f); err != nil {
				errs = append(errs, err.Error())
				continue
			}
			ok = true
			if progress != nil {
				fmt.Fprintf(progress, "%s: downloaded and verified\n", path)
			}
			break
		}
		if !ok {
			failed = append(failed, fmt.Sprintf("%s/%s (%s)", name.Dir(), f.Base, strings.Join(errs, "; ")))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("source: fetch failed for %s", strings.Join(failed, ", "))
	}
	return nil
}

func fetchOne(ctx context.Context, client *http.Client, url, path string, f File) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fetch-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	h := sha256.New()
	// Read one byte past the expected size so an oversized body is caught.
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, f.Size+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", url, err)
	}
	if n != f.Size {
		return fmt.Errorf("%s: %d bytes, want %d", url, n, f.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.GzipSHA256 {
		return fmt.Errorf("%s: SHA-256 %s, want %s", url, got, f.GzipSHA256)
	}
	return os.Rename(tmp.Name(), path)
}
