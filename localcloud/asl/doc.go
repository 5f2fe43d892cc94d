// Package asl interprets the Amazon States Language: it validates a state
// machine definition the way CreateStateMachine does, runs executions of it
// and records their history in the shape the Step Functions API returns.
//
// The package has no AWS dependency. Task states are carried out by a
// TaskResolver the caller supplies, time comes from a clock.Clock (real,
// accelerated or virtual), and executions can be stopped from outside.
//
// The JSONPath query language is supported in full: InputPath, Parameters,
// ResultSelector, ResultPath and OutputPath, the context object, intrinsic
// functions, every Choice operator, Retry and Catch. Definitions that use the
// JSONata query language or variables (Assign) are refused at load with an
// error naming the field, rather than run with the wrong semantics.
package asl
