package localcloud

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/localcloud/bus"
)

// late holds a service that is built after the services that call it: the
// services form a cycle (EventBridge invokes Lambda, Lambda records metrics
// in CloudWatch, CloudWatch puts alarm events on EventBridge), so each gets
// an adapter first and the adapter is pointed at the service once it exists.
type late[T any] struct {
	mu   sync.RWMutex
	name string
	v    T
	set  bool
}

func (l *late[T]) bind(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.v, l.set = v, true
}

func (l *late[T]) get() (T, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if !l.set {
		var zero T
		return zero, fmt.Errorf("local cloud: the %s service is not running", l.name)
	}
	return l.v, nil
}

// lateEvents is a bus.Events bound after construction.
type lateEvents struct{ late[bus.Events] }

func (l *lateEvents) PutEvent(ctx context.Context, e bus.Event) error {
	v, err := l.get()
	if err != nil {
		return err
	}
	return v.PutEvent(ctx, e)
}

// lateMetrics is a bus.Metrics bound after construction.
type lateMetrics struct{ late[bus.Metrics] }

func (l *lateMetrics) PutMetric(ctx context.Context, d ...bus.Datum) error {
	v, err := l.get()
	if err != nil {
		return err
	}
	return v.PutMetric(ctx, d...)
}

// lateInvoker is a bus.Invoker bound after construction.
type lateInvoker struct{ late[bus.Invoker] }

func (l *lateInvoker) Invoke(ctx context.Context, function, qualifier string, payload []byte) (bus.InvokeResult, error) {
	v, err := l.get()
	if err != nil {
		return bus.InvokeResult{}, err
	}
	return v.Invoke(ctx, function, qualifier, payload)
}

// latePublisher is a bus.Publisher bound after construction.
type latePublisher struct{ late[bus.Publisher] }

func (l *latePublisher) Publish(ctx context.Context, topicARN, subject, message string, attributes map[string]bus.MessageAttribute) (string, error) {
	v, err := l.get()
	if err != nil {
		return "", err
	}
	return v.Publish(ctx, topicARN, subject, message, attributes)
}

// lateExecutions is a bus.Executions bound after construction.
type lateExecutions struct{ late[bus.Executions] }

func (l *lateExecutions) StartExecution(ctx context.Context, stateMachineARN, name, input string) (string, error) {
	v, err := l.get()
	if err != nil {
		return "", err
	}
	return v.StartExecution(ctx, stateMachineARN, name, input)
}

// objectGetter reads Lambda code from the local S3 through its own API, as
// the Lambda service does on AWS.
type objectGetter struct {
	client interface {
		GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	}
}

func (g objectGetter) GetObject(ctx context.Context, bucket, key, versionID string) ([]byte, error) {
	in := &s3.GetObjectInput{Bucket: &bucket, Key: &key}
	if versionID != "" {
		in.VersionId = &versionID
	}
	out, err := g.client.GetObject(ctx, in)
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}
