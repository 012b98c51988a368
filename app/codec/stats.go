package codec

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// Stats summarises a codec over a set of images.
type Stats struct {
	Codec       string  `json:"codec"`
	Images      int     `json:"images"`
	Budget      int     `json:"budget_bytes"`
	MeanBytes   float64 `json:"mean_payload_bytes"`
	MaxBytes    int     `json:"max_payload_bytes"`
	MinBytes    int     `json:"min_payload_bytes"`
	Lossless    int     `json:"lossless_images"`     // images reconstructed exactly
	MeanPSNR    float64 `json:"mean_psnr_db"`        // mean of per-image PSNR (exact images count as MaxPSNR)
	PSNRMeanMSE float64 `json:"psnr_of_mean_mse_db"` // 10·log10(255² / mean MSE)
	MinPSNR     float64 `json:"min_psnr_db"`
	Failures    int     `json:"failures"` // images that could not be coded within the budget
}

// Evaluate codes and decodes n = len(pixels)/ImageSize() images with up to
// workers goroutines (at least 1) and returns byte and PSNR statistics.
// progress, if not nil, is called after each image with the count done.
// Images that do not fit the budget count as Failures and are left out of
// the averages; any other error stops the evaluation.
func Evaluate(c *Codec, pixels []byte, workers int, progress func(done int)) (Stats, error) {
	size := c.ImageSize()
	if len(pixels)%size != 0 || len(pixels) == 0 {
		return Stats{}, fmt.Errorf("codec: %d pixel bytes are not a whole number of %d-byte images", len(pixels), size)
	}
	n := len(pixels) / size
	type result struct {
		bytes int
		mse   float64
		fail  bool
	}
	res := make([]result, n)
	var next, done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var payload, back []byte
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				img := pixels[i*size : (i+1)*size]
				var err error
				payload, err = c.Encode(payload, img)
				if err == nil {
					back, err = c.DecodeOwn(back, payload)
				}
				switch {
				case err == nil:
					res[i] = result{bytes: len(payload), mse: MSE(img, back)}
				case isBudget(err):
					res[i] = result{fail: true}
				default:
					errOnce.Do(func() { firstErr = fmt.Errorf("image %d: %w", i, err) })
					next.Store(int64(n))
					return
				}
				if progress != nil {
					progress(int(done.Add(1)))
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return Stats{}, firstErr
	}
	st := Stats{Codec: c.cfg.Kind.String(), Images: n, Budget: c.cfg.Budget, MinBytes: math.MaxInt, MinPSNR: MaxPSNR}
	var sumBytes, sumPSNR, sumMSE float64
	for _, r := range res {
		if r.fail {
			st.Failures++
			continue
		}
		sumBytes += float64(r.bytes)
		st.MaxBytes = max(st.MaxBytes, r.bytes)
		st.MinBytes = min(st.MinBytes, r.bytes)
		p := psnrOf(r.mse)
		sumPSNR += p
		sumMSE += r.mse
		st.MinPSNR = min(st.MinPSNR, p)
		if r.mse == 0 {
			st.Lossless++
		}
	}
	if ok := float64(n - st.Failures); ok > 0 {
		st.MeanBytes = sumBytes / ok
		st.MeanPSNR = sumPSNR / ok
		st.PSNRMeanMSE = psnrOf(sumMSE / ok)
	} else {
		st.MinBytes, st.MinPSNR = 0, 0
	}
	return st, nil
}

func isBudget(err error) bool { return errors.Is(err, ErrBudget) }
