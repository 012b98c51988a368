package codec_test

import (
	"fmt"

	"github.com/hesemcom/hesemcom/app/codec"
	"github.com/hesemcom/hesemcom/app/source"
)

// Code an MNIST digit into at most 196 bytes with the always-available JPEG
// codec, headers stripped, and rebuild it at the receiver.
func ExampleCodec_Encode() {
	d, err := source.LoadTest(source.MNIST)
	if err != nil {
		panic(err)
	}
	c, err := codec.New(codec.Config{Kind: codec.JPEG, Budget: 196})
	if err != nil {
		panic(err)
	}
	img := d.Image(0)
	payload, err := c.Encode(nil, img)
	if err != nil {
		panic(err)
	}
	back, err := c.Decode(nil, payload)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(payload) <= 196, len(back), codec.PSNR(img, back) > 25)
	// Output: true 784 true
}
