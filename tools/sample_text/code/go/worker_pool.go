package main

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"time"
)

// Job is a unit of work processed by the pool.
type Job struct {
	ID      int
	Payload string
}

// Result carries the outcome of a single job.
type Result struct {
	JobID    int
	Output   string
	Err      error
	Duration time.Duration
}

func process(ctx context.Context, j Job) (string, error) {
	select {
	case <-time.After(time.Duration(rand.Intn(200)) * time.Millisecond):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if j.ID%7 == 0 {
		return "", fmt.Errorf("job %d: payload rejected", j.ID)
	}
	return fmt.Sprintf("processed %q", j.Payload), nil
}

// RunPool fans jobs out to n workers and returns a channel of results that
// is closed once every job has been handled or the context is cancelled.
func RunPool(ctx context.Context, n int, jobs <-chan Job) <-chan Result {
	results := make(chan Result)
	var wg sync.WaitGroup

	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				start := time.Now()
				out, err := process(ctx, j)
				select {
				case results <- Result{JobID: j.ID, Output: out, Err: err, Duration: time.Since(start)}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	go func() {
		wg.Wait()
		close(results)
	}()
	return results
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	jobs := make(chan Job)
	go func() {
		defer close(jobs)
		for i := 1; i <= 20; i++ {
			select {
			case jobs <- Job{ID: i, Payload: fmt.Sprintf("item-%02d", i)}:
			case <-ctx.Done():
				return
			}
		}
	}()

	var ok, failed int
	for r := range RunPool(ctx, 4, jobs) {
		if r.Err != nil {
			failed++
			fmt.Printf("job %2d failed: %v\n", r.JobID, r.Err)
			continue
		}
		ok++
		fmt.Printf("job %2d ok in %v: %s\n", r.JobID, r.Duration.Round(time.Millisecond), r.Output)
	}
	fmt.Printf("done: %d ok, %d failed\n", ok, failed)
}
