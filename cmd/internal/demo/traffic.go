package demo

import (
	"context"
	"sync"
	"time"

	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

// invoker is the Lambda call the traffic generator makes.
type invoker interface {
	Invoke(ctx context.Context, in *awslambda.InvokeInput, optFns ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error)
}

var _ invoker = (*awslambda.Client)(nil)

// Tally counts what callers of the live alias saw, per executed version.
type Tally struct {
	mu       sync.Mutex
	requests map[string]int
	errors   map[string]int
	failed   int // calls that did not reach a version (throttled, no alias yet)
}

// Snapshot is a copy of a Tally at one moment.
type Snapshot struct {
	Requests map[string]int `json:"requests"` // by executed version
	Errors   map[string]int `json:"errors"`   // function errors by executed version
	Failed   int            `json:"failed"`   // calls that reached no version
}

func (t *Tally) add(version string, functionError bool, failed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.requests == nil {
		t.requests, t.errors = map[string]int{}, map[string]int{}
	}
	if failed {
		t.failed++
		return
	}
	t.requests[version]++
	if functionError {
		t.errors[version]++
	}
}

// Snapshot returns the counts so far.
func (t *Tally) Snapshot() Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := Snapshot{Requests: map[string]int{}, Errors: map[string]int{}, Failed: t.failed}
	for k, v := range t.requests {
		s.Requests[k] = v
	}
	for k, v := range t.errors {
		s.Errors[k] = v
	}
	return s
}

// Total is the number of calls that reached a version.
func (s Snapshot) Total() int {
	n := 0
	for _, v := range s.Requests {
		n += v
	}
	return n
}

// generate calls function:alias with payload every interval until ctx ends,
// with at most workers calls in flight, and counts the outcomes in t.
func generate(ctx context.Context, c invoker, function, alias string, payload []byte, interval time.Duration, workers int, t *Tally) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	slots := make(chan struct{}, workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			continue // every worker busy: skip this tick rather than queue up
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			out, err := c.Invoke(ctx, &awslambda.InvokeInput{
				FunctionName: &function,
				Qualifier:    &alias,
				Payload:      payload,
			})
			if err != nil {
				if ctx.Err() == nil {
					t.add("", false, true)
				}
				return
			}
			version := ""
			if out.ExecutedVersion != nil {
				version = *out.ExecutedVersion
			}
			t.add(version, out.FunctionError != nil, false)
		}()
	}
}
