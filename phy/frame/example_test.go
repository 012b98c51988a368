package frame_test

import (
	"bytes"
	"fmt"

	"github.com/google/gopacket"

	"github.com/hesemcom/hesemcom/phy/frame"
)

// Write a one-frame pcap to a buffer and print its length: 24 bytes of file
// header, 16 of record header and the 19-byte frame.
func ExamplePcapWriter() {
	var buf bytes.Buffer
	w, err := frame.NewPcapWriter(&buf, frame.PcapConfig{SampleRate: 1e6})
	if err != nil {
		panic(err)
	}
	data, err := frame.Append(nil, &frame.Frame{Type: frame.TypeData, Seq: 7}, []byte("hello"))
	if err != nil {
		panic(err)
	}
	if err := w.WriteFrame(2000, data); err != nil { // first sample at 2 ms
		panic(err)
	}
	fmt.Println(buf.Len())
	// Output: 59
}

// Decode a frame with gopacket, as a pcap reader would.
func ExampleFrame_DecodeFromBytes() {
	data, _ := frame.Append(nil, &frame.Frame{Type: frame.TypeCiphertext, KeyID: 2, Seq: 7}, []byte("hello"))
	p := gopacket.NewPacket(data, frame.LinkType, gopacket.Default)
	f := p.Layer(frame.LayerTypeFrame).(*frame.Frame)
	fmt.Println(f.Type, f.KeyID, f.Seq, f.CRCOK, string(p.ApplicationLayer().Payload()))
	data[12] ^= 1 // corrupt the payload
	p = gopacket.NewPacket(data, frame.LinkType, gopacket.Default)
	fmt.Println(p.ErrorLayer().Error())
	// Output:
	// ciphertext 2 7 true hello
	// frame: CRC mismatch in frame seq 7: trailer c9474b0c, computed c885213b
}
