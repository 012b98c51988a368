package sift_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/hesemcom/hesemcom/app/paillier"
	"github.com/hesemcom/hesemcom/app/sift"
)

// Detect SIFT keypoints on the embedded photograph.
func ExampleDetector_Detect() {
	img, _ := sift.DefaultImage()
	d, _ := sift.New(sift.Config{})
	kps, _ := d.Detect(img)
	fmt.Println(len(kps) > 50, len(kps[0].Descriptor))
	// Output: true 128
}

// Compute the DoG scale space of a 40×40 crop on Paillier ciphertexts,
// decrypt it as the key holder and detect: the keypoints are those of
// plaintext SIFT. The seeded reader and 512-bit key are for a reproducible
// example only (insecure).
func ExampleDetector_EncryptedPyramid() {
	random := rand.NewChaCha8([32]byte{7})
	sk, _ := paillier.GenerateKey(random, paillier.TestInsecure512)
	photo, _ := sift.DefaultImage()
	img := &sift.Gray{W: 40, H: 40, Pix: make([]uint8, 1600)}
	for y := range 40 {
		copy(img.Pix[y*40:(y+1)*40], photo.Pix[(50+y)*photo.W+100:])
	}
	d, _ := sift.New(sift.Config{Octaves: 1})
	res, _ := d.EncryptedPyramid(context.Background(), sk, img, sift.HEOptions{Workers: 2, Random: random})
	enc := d.DetectPyramid(res.Pyramid)
	plain, _ := d.Detect(img)
	rep, _ := sift.Repeatability(plain, enc, sift.Identity, 1, sift.RepeatScaleOctaves, 40, 40, 0)
	fmt.Println(len(enc) == len(plain), rep)
	// Output: true 1
}
