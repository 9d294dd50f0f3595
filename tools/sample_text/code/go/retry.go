package retry

import (
	"context"
	"errors"
	"math/rand"
	"time"
)

// Policy controls how Do retries a failing operation.
type Policy struct {
	MaxAttempts int           // total attempts, including the first
	BaseDelay   time.Duration // delay before the second attempt
	MaxDelay    time.Duration // upper bound for any single delay
	Multiplier  float64       // growth factor between attempts
}

// DefaultPolicy is suitable for calls to flaky network services.
var DefaultPolicy = Policy{MaxAttempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: 5 * time.Second, Multiplier: 2}

type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps err so that Do stops retrying immediately.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// Do calls fn until it succeeds, returns a permanent error, the attempts
// are exhausted, or ctx is done. Delays use "full jitter" backoff.
func Do(ctx context.Context, p Policy, fn func(ctx context.Context) error) error {
	if p.MaxAttempts < 1 {
		p.MaxAttempts = 1
	}
	delay := p.BaseDelay
	var err error
	for attempt := 1; ; attempt++ {
		err = fn(ctx)
		if err == nil {
			return nil
		}
		var perm permanentError
		if errors.As(err, &perm) {
			return perm.err
		}
		if attempt >= p.MaxAttempts {
			return err
		}

		sleep := time.Duration(rand.Int63n(int64(delay) + 1))
		timer := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			timer.Stop()
			return errors.Join(err, ctx.Err())
		case <-timer.C:
		}

		delay = time.Duration(float64(delay) * p.Multiplier)
		if p.MaxDelay > 0 && delay > p.MaxDelay {
			delay = p.MaxDelay
		}
	}
}
