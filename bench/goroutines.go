// A short Go program for the process rows of bench/run.py: starts N
// goroutines that each do a little work, waits for them, and exits.
package main

import (
	"os"
	"strconv"
	"sync"
)

func main() {
	n, err := strconv.Atoi(os.Args[1])
	if err != nil {
		os.Exit(2)
	}
	sums := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				sums[i] += i ^ j
			}
		}(i)
	}
	wg.Wait()
}
