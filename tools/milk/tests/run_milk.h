// Runs the milk command line in-process with captured output and a fixed clock.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/clock.h"
#include "tools/client/tests/test_network.h"
#include "tools/milk/commands.h"

namespace milk::cli {

struct Run {
  int code = -1;
  std::string out, err;
};

inline Run Milk(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  ManualClock clock(client::testing::kTestNowMs + 1000);
  auto ctx = std::make_shared<CliContext>(out, err, clock);
  std::unique_ptr<CLI::App> app = MakeMilkApp(ctx);
  std::vector<const char*> argv = {"milk"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  Run run;
  run.code = RunMilkApp(*app, *ctx, static_cast<int>(argv.size()), argv.data());
  run.out = out.str();
  run.err = err.str();
  return run;
}

// Exactly one line on stderr, "milk: ...".
inline void CheckOneErrorLine(const Run& run) {
  CHECK_THAT(run.err, Catch::StartsWith("milk: "));
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
}

}  // namespace milk::cli
