// Package bench measures what matters to a team that releases with
// greenlight, on the local cloud with the synthesized stack applied: how fast
// an alarm brings blue back, how soon after an alarm or `greenlight promote`
// mid-bake the release's notification arrives, how fast the watchdog
// restores a release stopped from outside, how much time the deployer adds
// to a release, what a release costs on AWS by strategy, and how big and
// quick to start the deployer's functions are.
//
// The measurements are Go benchmarks that report their figures with
// b.ReportMetric; `make bench` (bench/report) runs them with the local
// cloud's engine benchmarks and writes bench/RESULTS.md. One at a time:
//
//	make synth-local
//	go test -run '^$' -bench RollbackLatency -benchtime 50x ./bench
//	go test -run '^$' -bench 'RollbackEnd|PromoteEnd|Watchdog' -benchtime 50x ./bench
//	go test -run '^$' -bench Release -benchtime 2x ./bench
//
// Flags after -args: -template (the cloud assembly, default cdk.out at the
// module root), -timescale (the local cloud's clock speed-up, default 60) and
// -rollback-bake (how long a rollback run's canary bakes, default 1.5s).
package bench
