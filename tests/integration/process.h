// Child processes for the integration tests: milkd and milk run as the real binaries, started
// with fork/exec. Polling waits are bounded; nothing here sleeps for correctness.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace milk::integration {

// One spawned process. The destructor kills (SIGKILL) and reaps it if it still runs, so a failed
// test never leaves a node behind. Not thread-safe: owned and driven by one thread (the test's
// main thread), which must also be the thread that called Start (PR_SET_PDEATHSIG is tied to
// the forking thread: the child dies with it).
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (an absolute path) with stdout and stderr appended to log_path and stdin from
  // /dev/null. Returns an error message, empty on success. REQUIRES: not running.
  std::string Start(const std::vector<std::string>& argv, const std::string& log_path);

  // True while the process runs; reaps it (and records its status) once it has exited.
  bool Running();
  pid_t pid() const { return pid_; }
  // The last exit status: the exit code, or -signal when a signal ended it. Empty while running
  // or never started.
  std::optional<int> exit_status() const { return exit_status_; }

  // SIGKILL and reap. No-op when not running.
  void Kill9();
  // Sends signal, then waits up to timeout_ms for the exit. Returns the exit status, or empty
  // when the process is still running at the deadline.
  std::optional<int> SignalAndWait(int signal, int64_t timeout_ms);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

struct CommandResult {
  int exit_code = -1;  // -signal when killed; -1000 when it timed out
  std::string out;
  std::string err;
};

// Runs argv to completion (bounded by timeout_ms, then killed), capturing stdout and stderr
// through files in scratch_dir. Thread-safe apart from PR_SET_PDEATHSIG's thread tie.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& scratch_dir,
                         int64_t timeout_ms);

// Reads a whole file; empty when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

// "a b 'c d'": a command line for failure messages.
std::string DescribeCommand(const std::vector<std::string>& argv);

}  // namespace milk::integration
