package he

// slotRotations returns the slot rotations the slot-packed evaluation of a
// model with a k×k kernel uses (Lattigo convention: Rotate(ct, r) moves slot
// i+r to slot i):
//   - conv: one per kernel tap offset (a−h)·28 + (b−h) except 0;
//   - pool: −1 and −28 (sum of the 2×2 window ending at each position; negative
//     rotations pull in zeros rather than wrapping garbage);
//   - FC: −1024 and −2048 replicate the pooled image into four 1024-slot
//     blocks, then 1, 2, …, 512 sum each block.
func slotRotations(k int) []int {
	h := k / 2
	var r []int
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			if d := (a-h)*Cols + (b - h); d != 0 {
				r = append(r, d)
			}
		}
	}
	r = append(r, -1, -Cols, -slotBlock, -2*slotBlock)
	for s := 1; s < slotBlock; s <<= 1 {
		r = append(r, s)
	}
	return r
}

// slotBlock is the block one replica of the image occupies in slot-packed FC.
const slotBlock = 1024
