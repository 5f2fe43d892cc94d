// Package bench measures what matters to a team that releases with
// greenlight, on the local cloud with the synthesized stack applied: how fast
// an alarm brings blue back, how much time the deployer adds to a release,
// what a release costs on AWS by strategy, and how big and quick to start
// the deployer's functions are. The measurements are Go benchmarks (`go test
// -bench . ./bench`) that report their figures with b.ReportMetric;
// bench/report runs them and writes bench/RESULTS.md.
package bench
