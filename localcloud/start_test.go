package localcloud

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			require.NoError(t, c.Start(ctx))
			require.NoError(t, tt.close(c, cancel))
			assert.Eventually(t, func() bool {
				_, err := http.Get(c.Endpoint() + ControlPrefix + "health")
				return err != nil
			}, 5*time.Second, 10*time.Millisecond, "the listener closes")
			assert.Eventually(t, func() bool { return !strings.Contains(goroutines(), "localcloud.(*Cloud).Start") }, 5*time.Second, 10*time.Millisecond,
				"Start leaves no goroutine behind once the cloud is closed")
		})
	}
}

// goroutines returns the stacks of all goroutines.
func goroutines() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
