package main

// AWS public prices (us-east-1) that a release is priced with; free tiers
// are left out.
const (
	// Step Functions standard workflows: $0.025 per 1,000 state transitions
	// (https://aws.amazon.com/step-functions/pricing/).
	usdPerTransition = 0.025 / 1000
	// Lambda on arm64: $0.0000133334 per GB-second of duration and $0.20 per
	// million requests (https://aws.amazon.com/lambda/pricing/).
	usdPerGBSecond = 0.0000133334
	usdPerRequest  = 0.20 / 1e6
)

// cost is what one release costs on AWS.
type cost struct {
	StepFunctions float64
	Lambda        float64
}

// Total is the release's cost in dollars.
func (c cost) Total() float64 { return c.StepFunctions + c.Lambda }

// price prices a release's state transitions, Lambda invocations and
// Lambda GB-seconds.
func price(transitions, invocations, gbSeconds float64) cost {
	return cost{
		StepFunctions: transitions * usdPerTransition,
		Lambda:        invocations*usdPerRequest + gbSeconds*usdPerGBSecond,
	}
}
