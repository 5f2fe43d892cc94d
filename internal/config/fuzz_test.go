package config

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The configuration comes from the stack's props and reaches the prepare
// function as JSON: Parse must never panic, what it accepts must answer
// SettingsFor any function, and its encoding must read back as
// the same configuration.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"targets":{"names":["orders"],"prefix":"shop-"},"defaults":{"strategy":"AllAtOnce"},"functions":{"orders":{"alarms":["a"]}}}`))
	f.Add([]byte(`{"targets":{"tag":{"key":"k","value":"v"}},"defaults":{"alarms":["x"]},"functions":{"a":{"alarms":[],"tests":[]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		_ = c.SettingsFor("orders")
		_ = c.Targets.ByName("shop-orders")
		_ = c.Hooks()
		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("encode %s: %v", data, err)
		}
		again, err := Parse(raw)
		if err != nil {
			t.Fatalf("%s was accepted, its encoding %s is not: %v", data, raw, err)
		}
		// Test payloads are kept as raw JSON, which encoding compacts:
		// compare what the two would hand prepare.
		if again, _ := json.Marshal(again); !bytes.Equal(again, raw) {
			t.Fatalf("%s encodes as %s, which reads back as %s", data, raw, again)
		}
	})
}
