// Package archtest holds the project's import policy as an executable test
// (deps_test.go), after Go's own src/go/build/deps_test.go. The rules are
// DESIGN.md §2 and CONVENTIONS.md (c): they are policy, not something to
// edit to make a build pass. It has no non-test code.
package archtest
