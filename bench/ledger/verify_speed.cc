// milk_ledger_verify_speed: times one `milk ledger verify` run as a child process (wall clock
// and the child's CPU and peak memory from wait4) and prints the figures as every benchmark does
// (tools/bench/bench_report.h); with --json the Report's JSON is the last stdout line. Driven by
// bench/ledger/verify-speed, which generates the chain first.
//
//   milk_ledger_verify_speed --milk PATH --chain C --data-dir DIR [--threads T] [--json]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tools/bench/bench_report.h"

namespace milk::bench {
namespace {

struct SpeedArgs {
  std::string milk;
  std::string chain;
  std::string data_dir;
  std::string scratch_dir;
  size_t threads = 0;
  bool json = false;
};

struct ChildRun {
  int exit_code = -1;
  std::string out;
  double wall_seconds = 0;
  rusage usage{};
};

// Runs argv with stdout captured (stderr passes through); -1 exit code when it cannot start.
ChildRun Run(const std::vector<std::string>& argv) {
  ChildRun run;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return run;
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return run;
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::cerr << "cannot run " << argv[0] << ": " << std::strerror(errno) << "\n";
    _exit(127);
  }
  close(pipe_fds[1]);
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) run.out.append(buffer, size_t(n));
  close(pipe_fds[0]);
  int status = 0;
  wait4(pid, &status, 0, &run.usage);
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

double Seconds(const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; }

int Main(const SpeedArgs& args) {
  std::vector<std::string> argv = {args.milk, "--json", "ledger", "verify", "--chain",
                                   args.chain, "--data-dir", args.data_dir,
                                   "--threads", std::to_string(args.threads)};
  if (!args.scratch_dir.empty()) {
    argv.push_back("--scratch-dir");
    argv.push_back(args.scratch_dir);
  }
  ChildRun run = Run(argv);
  if (run.exit_code != 0) {
    std::cerr << "error: " << args.milk << " ledger verify exited with " << run.exit_code << ": "
              << run.out << "\n";
    return 1;
  }
  // milk prints one JSON object: the verify report.
  nlohmann::json verified = nlohmann::json::parse(run.out, nullptr, false);
  if (verified.is_discarded() || !verified.value("ok", false)) {
    std::cerr << "error: unexpected output of milk ledger verify: " << run.out << "\n";
    return 1;
  }
  Report report;
  report.scenario = "ledger-verify";
  report.seconds = run.wall_seconds;
  report.committed = verified.at("transactions").get<uint64_t>();
  report.outcomes = verified.at("codes").get<std::map<std::string, uint64_t>>();
  report.latency_what = "none (one replay)";
  const double blocks = verified.at("blocks").get<double>();
  const double cpu = Seconds(run.usage.ru_utime) + Seconds(run.usage.ru_stime);
  report.figures = {{"blocks", blocks},
                    {"tx_per_s", report.Rate()},
                    {"cpu_user_s", Seconds(run.usage.ru_utime)},
                    {"cpu_system_s", Seconds(run.usage.ru_stime)},
                    {"cores_busy", run.wall_seconds > 0 ? cpu / run.wall_seconds : 0},
                    {"max_rss_mib", double(run.usage.ru_maxrss) / 1024.0}};
  report.params = {{"chain", args.chain}, {"data_dir", args.data_dir},
                   {"threads", args.threads == 0 ? "all cores" : std::to_string(args.threads)},
                   {"commit_hash", verified.value("commit_hash", "")}};
  PrintText(report, std::cout);
  if (args.json) std::cout << ToJson(report).dump() << "\n";
  return 0;
}

}  // namespace
}  // namespace milk::bench

int main(int argc, char** argv) {
  milk::bench::SpeedArgs args;
  CLI::App app{"Time `milk ledger verify` on a node data directory"};
  app.add_option("--milk", args.milk, "Path of the milk binary")->required();
  app.add_option("--chain", args.chain, "Chain id")->required();
  app.add_option("--data-dir", args.data_dir, "Node data directory")->required();
  app.add_option("--scratch-dir", args.scratch_dir, "Replay state directory (milk's default)");
  app.add_option("--threads", args.threads, "Verify threads (0 = every core)");
  app.add_flag("--json", args.json, "Print the report as JSON on the last line");
  CLI11_PARSE(app, argc, argv);
  return milk::bench::Main(args);
}
