package demo

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

// invoker is the Lambda call the traffic generator makes.
type invoker interface {
	Invoke(ctx context.Context, in *awslambda.InvokeInput, optFns ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error)
}

var _ invoker = (*awslambda.Client)(nil)

// Tally counts what callers of the live alias saw, per answer: the executed
// version of the demo function, the builds that answered in a group.
type Tally struct {
	mu       sync.Mutex
	requests map[string]int
	errors   map[string]int
	failed   int // calls that did not reach a version (throttled, no alias yet)
}

// Snapshot is a copy of a Tally at one moment.
type Snapshot struct {
	Requests map[string]int `json:"requests"` // by answer: "v3", or "a2→w2" in a group
	Errors   map[string]int `json:"errors"`   // errors by answer
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

// answered reads an answer for the tally: what answered, and whether the
// caller got an error.
type answered func(out *awslambda.InvokeOutput) (label string, failed bool)

// byVersion labels an answer with the version that ran, "v3"; a function
// error is an error.
func byVersion(out *awslambda.InvokeOutput) (string, bool) {
	return "v" + aws.ToString(out.ExecutedVersion), out.FunctionError != nil
}

// generate calls function:alias with payload every interval until ctx ends,
// with at most workers calls in flight, and counts the outcomes in t, as
// read labels them.
func generate(ctx context.Context, c invoker, function, alias string, payload []byte, read answered, interval time.Duration, workers int, t *Tally) {
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
			label, failed := read(out)
			t.add(label, failed, false)
		}()
	}
}
