package config

import "testing"

// GREENLIGHT_CONFIG comes from the stack's props: Parse must never panic,
// and what it accepts must answer SettingsFor any function.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"targets":{"names":["orders"],"prefix":"shop-"},"defaults":{"strategy":"AllAtOnce"},"functions":{"orders":{"alarms":["a"]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		_ = c.SettingsFor("orders")
		_ = c.Targets.ByName("shop-orders")
	})
}
