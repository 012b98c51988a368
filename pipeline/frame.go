package pipeline

import "sync"

// A Tag annotates the item at Offset (relative to the frame's first item),
// like a GNU Radio stream tag: frame start, SNR of this burst, key id, CRC
// result, labels.
type Tag struct {
	Offset int
	Key    string
	Value  any
}

// Common tag keys.
const (
	TagSOF   = "sof"    // start of a frame/burst
	TagSNR   = "snr_db" // SNR in dB the channel applied (float64)
	TagKeyID = "key_id" // id of the key that encrypted the payload
	TagCRCOK = "crc_ok" // bool
	TagLabel = "label"  // ground-truth class labels ([]byte)
)

// A Frame is a contiguous run of items in a stream. Sending a *Frame on a
// channel hands it over: the sender must not touch it afterwards.
type Frame[T any] struct {
	Seq    uint64 // index of the frame in its stream
	Offset int64  // stream offset of Items[0] (sample offset)
	Items  []T
	Tags   []Tag // sparse metadata, sorted by Offset
	pool   *Pool[T]
}

// Release returns f to the pool it came from; frames not from a pool are left
// to the garbage collector. f must not be used afterwards.
func (f *Frame[T]) Release() {
	if f != nil && f.pool != nil {
		f.pool.Put(f)
	}
}

// AddTag appends a tag (tags are kept in the order added; add them by
// increasing offset).
func (f *Frame[T]) AddTag(offset int, key string, value any) {
	f.Tags = append(f.Tags, Tag{Offset: offset, Key: key, Value: value})
}

// Tag returns the value of the first tag with key.
func (f *Frame[T]) Tag(key string) (any, bool) {
	for _, t := range f.Tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return nil, false
}

// CopyMeta copies src's Seq, Offset and Tags into f (the tags slice is copied,
// tag values are shared).
func (f *Frame[T]) CopyMeta(seq uint64, offset int64, tags []Tag) {
	f.Seq, f.Offset = seq, offset
	f.Tags = append(f.Tags[:0], tags...)
}

// A Pool recycles frames whose Items have a capacity of at least Size. It is
// safe for concurrent use.
type Pool[T any] struct {
	size int
	p    sync.Pool
}

// NewPool returns a pool of frames with room for size items each.
func NewPool[T any](size int) *Pool[T] {
	if size < 0 {
		panic("pipeline: negative frame size")
	}
	p := &Pool[T]{size: size}
	p.p.New = func() any { return &Frame[T]{Items: make([]T, 0, size), pool: p} }
	return p
}

// Size returns the item capacity of the pool's frames.
func (p *Pool[T]) Size() int { return p.size }

// Get returns a frame with no items, no tags and Seq 0; len(Items) is 0 and
// cap(Items) at least Size.
func (p *Pool[T]) Get() *Frame[T] {
	f := p.p.Get().(*Frame[T])
	f.Seq, f.Offset = 0, 0
	f.Items = f.Items[:0]
	f.Tags = f.Tags[:0]
	return f
}

// Put returns f to the pool. Frames whose storage was replaced by a smaller
// slice are dropped rather than recycled.
func (p *Pool[T]) Put(f *Frame[T]) {
	if cap(f.Items) < p.size {
		return
	}
	clear(f.Tags) // drop references held by tag values
	f.pool = p
	p.p.Put(f)
}
