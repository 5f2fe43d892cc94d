package lambda

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the function's process when the local
// cloud's process dies, however it dies: a cloud killed with SIGKILL leaves
// no function running on behind it, as a machine that stops leaves none.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
