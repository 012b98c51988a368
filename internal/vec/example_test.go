package vec_test

import (
	"fmt"

	"github.com/hesemcom/hesemcom/internal/vec"
)

func ExampleScaleRealTo() {
	x := []complex64{1 + 1i, -2}
	vec.ScaleRealTo(x, 0.5, x) // in place
	fmt.Println(x, vec.Power(x))
	// Output: [(0.5+0.5i) (-1+0i)] 0.75
}
