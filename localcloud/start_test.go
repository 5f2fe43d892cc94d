package localcloud

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestStartContext(t *testing.T) {
	tests := []struct {
		name  string
		close func(c *Cloud, cancel context.CancelFunc) error
	}{
		{"cancelled", func(_ *Cloud, cancel context.CancelFunc) error { cancel(); return nil }},
		{"closed", func(c *Cloud, _ context.CancelFunc) error { return c.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Options{Addr: "127.0.0.1:0"})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := c.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if err := tt.close(c, cancel); err != nil {
				t.Fatal(err)
			}
			if !eventually(5*time.Second, 10*time.Millisecond, func() bool {
				_, err := http.Get(c.Endpoint() + ControlPrefix + "health")
				return err != nil
			}) {
				t.Error("the listener does not close")
			}
			if !eventually(5*time.Second, 10*time.Millisecond, func() bool { return !strings.Contains(goroutines(), "localcloud.(*Cloud).Start") }) {
				t.Error("Start leaves a goroutine behind once the cloud is closed")
			}
		})
	}
}

// goroutines returns the stacks of all goroutines.
func goroutines() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
