package groupcommit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/hotdash/hotdash/internal/groupcommit"
)

func TestConcurrentCallersShareCommitsAndGetTheirOwnResults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var commits, largest atomic.Int64
		release := make(chan struct{})
		c := groupcommit.New(64, func(items []int) []groupcommit.Result[int] {
			if commits.Add(1) == 1 {
				<-release // hold the first commit while the others queue up
			}
			if n := int64(len(items)); n > largest.Load() {
				largest.Store(n)
			}
			out := make([]groupcommit.Result[int], len(items))
			for i, v := range items {
				if v%10 == 0 {
					out[i].Err = errors.New("tens fail")
					continue
				}
				out[i].Value = v * 2
			}
			return out
		})
		defer c.Close()
		var wg sync.WaitGroup
		call := func(i int) {
			wg.Go(func() {
				got, err := c.Do(context.Background(), i)
				switch {
				case i%10 == 0 && err == nil:
					t.Errorf("%d: want its own error", i)
				case i%10 != 0 && (err != nil || got != i*2):
					t.Errorf("%d: got %d, %v", i, got, err)
				}
			})
		}
		call(1)
		synctest.Wait() // the first caller's commit is running, held
		for i := 2; i <= 50; i++ {
			call(i)
		}
		synctest.Wait() // every other caller is queued behind it
		close(release)
		wg.Wait()
		if commits.Load() != 2 {
			t.Fatalf("%d commits for 50 callers (largest batch %d): want every caller queued behind the first commit to share the second", commits.Load(), largest.Load())
		}
	})
}

func TestCloseCommitsWhatWasHandedOverAndRefusesTheRest(t *testing.T) {
	var committed atomic.Int64
	c := groupcommit.New(8, func(items []string) []groupcommit.Result[struct{}] {
		committed.Add(int64(len(items)))
		return make([]groupcommit.Result[struct{}], len(items))
	})
	var wg sync.WaitGroup
	var acked atomic.Int64
	for range 40 {
		wg.Go(func() {
			if _, err := c.Do(context.Background(), "x"); err == nil {
				acked.Add(1)
			} else if !errors.Is(err, groupcommit.ErrClosed) {
				t.Error(err)
			}
		})
	}
	c.Close()
	wg.Wait()
	if acked.Load() != committed.Load() {
		t.Fatalf("acknowledged %d, committed %d", acked.Load(), committed.Load())
	}
	if _, err := c.Do(context.Background(), "late"); !errors.Is(err, groupcommit.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}
