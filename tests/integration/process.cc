#include "tests/integration/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace milk::integration {
namespace {

// How often a bounded wait looks at the child again: short against the waits it serves
// (hundreds of ms to seconds), long enough not to spin a core.
constexpr auto kPollInterval = std::chrono::milliseconds(5);
// Exit code of a child whose exec failed (the shell's convention for "command not found").
constexpr int kExecFailedCode = 127;
constexpr int kTimedOutCode = -1000;
// A SIGKILLed process is gone within milliseconds; a minute means the kernel is stuck (e.g. on
// an uninterruptible disk wait), and the test then moves on rather than hang.
constexpr int64_t kKillReapTimeoutMs = 60000;

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

// fork + exec with the given stdout/stderr descriptors. Returns the pid, or -1 with errno set.
pid_t Spawn(const std::vector<std::string>& argv, int out_fd, int err_fd) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return -1;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec: the parent has other threads.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(kExecFailedCode);  // the parent died before prctl
    dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execv(args[0], args.data());
    static const char kMessage[] = "exec failed\n";
    ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
    (void)ignored;
    _exit(kExecFailedCode);
  }
  const int saved_errno = errno;
  close(null_fd);
  errno = saved_errno;
  return pid;
}

// Waits up to timeout_ms for pid; the decoded status, or empty at the deadline.
std::optional<int> WaitFor(pid_t pid, int64_t timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return DecodeWaitStatus(status);
    if (r < 0 && errno != EINTR) return -1;  // not our child any more: treat as gone
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace

ChildProcess::~ChildProcess() { Kill9(); }

std::string ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_path) {
  if (pid_ > 0) return "process " + std::to_string(pid_) + " is still running";
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return "cannot open " + log_path + ": " + std::strerror(errno);
  const pid_t pid = Spawn(argv, log_fd, log_fd);
  const int saved_errno = errno;
  close(log_fd);
  if (pid < 0) return "fork failed: " + std::string(std::strerror(saved_errno));
  pid_ = pid;
  exit_status_.reset();
  return "";
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  std::optional<int> status = WaitFor(pid_, 0);
  if (!status.has_value()) return true;
  exit_status_ = status;
  pid_ = -1;
  return false;
}

void ChildProcess::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  // SIGKILL cannot be caught; the wait ends as soon as the kernel has torn the process down.
  exit_status_ = WaitFor(pid_, kKillReapTimeoutMs);
  pid_ = -1;
}

std::optional<int> ChildProcess::SignalAndWait(int signal, int64_t timeout_ms) {
  if (pid_ <= 0) return exit_status_;
  kill(pid_, signal);
  std::optional<int> status = WaitFor(pid_, timeout_ms);
  if (status.has_value()) {
    exit_status_ = status;
    pid_ = -1;
  }
  return status;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& scratch_dir,
                         int64_t timeout_ms) {
  static std::atomic<uint64_t> sequence{0};
  const std::string base = scratch_dir + "/cmd-" + std::to_string(sequence.fetch_add(1));
  const std::string out_path = base + ".out", err_path = base + ".err";
  CommandResult result;
  const int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0 || err_fd < 0) {
    result.err = "cannot create " + base + ".{out,err}";
    if (out_fd >= 0) close(out_fd);
    if (err_fd >= 0) close(err_fd);
    return result;
  }
  const pid_t pid = Spawn(argv, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  if (pid < 0) {
    result.err = "fork failed: " + std::string(std::strerror(errno));
    return result;
  }
  std::optional<int> status = WaitFor(pid, timeout_ms);
  if (!status.has_value()) {
    kill(pid, SIGKILL);
    WaitFor(pid, timeout_ms);
    status = kTimedOutCode;
  }
  result.exit_code = *status;
  result.out = ReadFileOrEmpty(out_path);
  result.err = ReadFileOrEmpty(err_path);
  if (result.exit_code == kTimedOutCode) {
    result.err += "\n(" + DescribeCommand(argv) + " timed out after " +
                  std::to_string(timeout_ms) + " ms and was killed)";
  }
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return result;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string DescribeCommand(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& a : argv) {
    if (!line.empty()) line += ' ';
    line += a.find(' ') == std::string::npos ? a : "'" + a + "'";
  }
  return line;
}

}  // namespace milk::integration
