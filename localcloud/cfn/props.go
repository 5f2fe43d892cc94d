package cfn

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// CloudFormation accepts numbers and booleans written as strings, and CDK
// writes some that way; these types decode either form.

// number is a property that holds a number.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		*n = number(f)
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	*n = number(f)
	return nil
}

// int32p returns the number as *int32, nil when absent.
func int32p(n *number) *int32 {
	if n == nil {
		return nil
	}
	v := int32(*n)
	return &v
}

// boolean is a property that holds a boolean.
type boolean bool

func (v *boolean) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		x, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not a boolean", s)
		}
		*v = boolean(x)
		return nil
	}
	var x bool
	if err := json.Unmarshal(b, &x); err != nil {
		return fmt.Errorf("%s is not a boolean", b)
	}
	*v = boolean(x)
	return nil
}

func boolp(v *boolean) *bool {
	if v == nil {
		return nil
	}
	x := bool(*v)
	return &x
}

// text is a property that holds a string; numbers and booleans are
// rendered as CloudFormation renders them.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s, err := scalarString(v)
	if err != nil {
		return err
	}
	*t = text(s)
	return nil
}

// document is a property that is a JSON document given either as an object
// or as a string holding one (EventPattern, FilterPolicy, DashboardBody,
// Definition).
type document string

func (d *document) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*d = document(s)
		return nil
	}
	*d = document(b)
	return nil
}

// decode unmarshals resolved properties into the type's property struct.
func decode(props json.RawMessage, v any) error {
	if err := json.Unmarshal(props, v); err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	return nil
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
