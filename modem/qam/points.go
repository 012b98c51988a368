package qam

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadPoints parses a constellation file of the kind other SDR tools write:
// one point per line as "re im" (separated by spaces, tabs or a comma),
// in bit-label order. Blank lines and lines starting with '#' are skipped.
// It returns an error naming the line for anything else, and stops after
// MaxCustomSize points. Pass the result to NewCustom.
func ReadPoints(r io.Reader) ([]complex128, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<16)
	var pts []complex128
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
		if len(f) != 2 {
			return nil, fmt.Errorf("qam: constellation line %d: want 2 numbers \"re im\", got %d fields", line, len(f))
		}
		re, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, fmt.Errorf("qam: constellation line %d: real part: %w", line, err)
		}
		im, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return nil, fmt.Errorf("qam: constellation line %d: imaginary part: %w", line, err)
		}
		if len(pts) == MaxCustomSize {
			return nil, fmt.Errorf("qam: constellation line %d: more than %d points", line, MaxCustomSize)
		}
		pts = append(pts, complex(re, im))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("qam: constellation line %d: %w", line+1, err)
	}
	if len(pts) == 0 {
		return nil, errors.New("qam: constellation file has no points")
	}
	return pts, nil
}
