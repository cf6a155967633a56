package main

import (
	"os"
	"testing"
)

// TestDiskLeavesNothing runs a short disk measurement and checks that it
// removes its test file, and that bad flags are refused.
func TestDiskLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := runDisk([]string{"-dir", dir, "-size", "64KiB", "-pages", "2", "-d", "100ms"}); err != nil {
		t.Fatal(err)
	}
	left, err := os.ReadDir(dir)
	if err != nil || len(left) != 0 {
		t.Fatalf("left in the folder: %v (%v)", left, err)
	}
	if err := runDisk([]string{"-dir", dir, "-size", "4KiB"}); err == nil {
		t.Fatal("a file smaller than two pages was accepted")
	}
}
