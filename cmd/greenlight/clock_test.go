package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestCloudClock(t *testing.T) {
	serverNow := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantNil bool
	}{
		{"local cloud", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/_greenlight/clock" {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(`{"scale":3600,"now":"2030-01-01T00:00:00Z"}`))
		}, false},
		{"no control API", http.NotFound, true},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`<xml/>`)) }, true},
		{"no time", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"scale":1}`)) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			now := cloudClock(t.Context(), srv.Client(), srv.URL+"/")
			if (now == nil) != tt.wantNil {
				t.Fatalf("clock nil = %v, want %v", now == nil, tt.wantNil)
			}
			if now == nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
			// 10 ms of wall time at 3600x is at least 36 s of cloud time.
			if got := now().Sub(serverNow); got < 36*time.Second || got > time.Hour {
				t.Errorf("cloud time advanced %v, want about 36s or more", got)
			}
		})
	}
	if cloudClock(t.Context(), http.DefaultClient, "http://127.0.0.1:1") != nil {
		t.Error("an unreachable endpoint gave a clock")
	}
}
