package workflow

// State names, written for the people who read an execution's history. The
// CLI and the end-to-end tests follow executions by these names.
const (
	StateReceive = "Receive input"
	StatePrepare = "Prepare release"
	StateLock    = "Acquire lock"
	StateDeploy  = "Deploy green"
	StateNoop    = "Is it a no-op?"
	StateTest    = "Run tests"

	StateFirstRelease       = "First release?"
	StateShift              = "Shift traffic"
	StateBakeNeeded         = "Bake needed?"
	StateBake               = "Bake"
	StateBakeBeforeApproval = "Bake, then wait for approval"
	StateApproval           = "Wait for approval"
	StateApprovalTimedOut   = "Approval timed out"
	StateVerify             = "Verify alarms"
	StateNextStep           = "Next step?"
	StateUnexpectedVerdict  = "Unexpected verdict"
	StatePromote            = "Promote"
	StateRollback           = "Roll back"
	StateArtifactBad        = "Was the artifact bad?"

	StateNotifyStarted        = "Notify started"
	StateNotifyFailed         = "Notify failed"
	StateNotifyRejected       = "Notify rejected"
	StateNotifyNoop           = "Notify no-op"
	StateNotifyPromoted       = "Notify promoted"
	StateNotifyRolledBack     = "Notify rolled back"
	StateNotifyArtifactFailed = "Notify failed after bad artifact"
	StateNotifyRollbackFailed = "Notify rollback failed"

	StateUnlockNoop           = "Release lock after no-op"
	StateUnlockPromoted       = "Release lock after promotion"
	StateUnlockRolledBack     = "Release lock after rollback"
	StateUnlockArtifactFailed = "Release lock after bad artifact"
	StateUnlockRollbackFailed = "Release lock after failed rollback"

	// Terminal states.
	StateReleaseFailed   = "Release failed"
	StateReleaseRejected = "Release rejected"
	StateNoChange        = "No change"
	StatePromoted        = "Promoted"
	StateRolledBack      = "Rolled back"
	StateArtifactFailed  = "Release failed, blue kept"
	StateRollbackFailed  = "Rollback failed — function needs attention"
)
