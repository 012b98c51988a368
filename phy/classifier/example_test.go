package classifier_test

import (
	"fmt"

	"github.com/hesemcom/hesemcom/phy/classifier"
)

// Build the default network and classify an image. An untrained network
// still returns a class; the embedded models come from Pretrained.
func ExampleNew() {
	m, err := classifier.New(classifier.Config{}, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", m.Config())
	k, err := m.Classify(make([]byte, m.ImageSize()))
	fmt.Println(k >= 0 && k < 10, err)
	_, err = m.Classify(make([]byte, 10))
	fmt.Println(err)
	// Output:
	// {Rows:28 Cols:28 Width:16 Blocks:2 Classes:10}
	// true <nil>
	// classifier: image of 10 bytes, want 784
}
