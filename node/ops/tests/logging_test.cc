#include "node/ops/logging.h"

#include <spdlog/sinks/ostream_sink.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace milk::ops {
namespace {

// 2026-11-23T10:00:00.123Z
constexpr int64_t kNowMs = 1795428000123;

// Captures log lines through a custom spdlog sink with a manual clock; restores the default
// logging configuration when done so other tests are unaffected.
class Capture {
 public:
  Capture(LogLevel level, LogFormat format, std::string node = "peer0")
      : clock_(kNowMs), sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    InitLogging(level, format, std::move(node), sink_, &clock_);
  }
  ~Capture() { InitLogging(LogLevel::kInfo, LogFormat::kText, ""); }
  std::string Text() const { return out_.str(); }
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  ManualClock& clock() { return clock_; }

 private:
  std::ostringstream out_;
  ManualClock clock_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

TEST_CASE("text format: one line with time, level, message and fields", "[logging]") {
  Capture capture(LogLevel::kTrace, LogFormat::kText);
  std::string chain = "mlk";
  uint64_t number = 5;
  LogInfo("block committed", {{"chain", chain}, {"number", std::to_string(number)}});
  capture.clock().Advance(1001);
  LogWarn("slow disk");
  LogError("x", {{"k", "v"}});
  LogDebug("d");
  LogTrace("t");
  CHECK(capture.Text() ==
        "2026-11-23T10:00:00.123Z INFO  block committed chain=mlk number=5\n"
        "2026-11-23T10:00:01.124Z WARN  slow disk\n"
        "2026-11-23T10:00:01.124Z ERROR x k=v\n"
        "2026-11-23T10:00:01.124Z DEBUG d\n"
        "2026-11-23T10:00:01.124Z TRACE t\n");
}

TEST_CASE("text format quotes and escapes values that need it", "[logging]") {
  Capture capture(LogLevel::kInfo, LogFormat::kText);
  LogInfo("two\nlines", {{"spaced", "a b"},
                         {"empty", ""},
                         {"eq", "a=b"},
                         {"quote", "say \"hi\""},
                         {"newline", "x\ny"},
                         {"tab", "x\ty"},
                         {"bell", "\x07"},
                         {"backslash", "C:\\dir"},
                         {"spaced_backslash", "a \\ b"}});
  CHECK(capture.Text() ==
        "2026-11-23T10:00:00.123Z INFO  two\\nlines spaced=\"a b\" empty=\"\" eq=\"a=b\" "
        "quote=\"say \\\"hi\\\"\" newline=\"x\\ny\" tab=\"x\\ty\" bell=\"\\x07\" "
        "backslash=C:\\dir spaced_backslash=\"a \\\\ b\"\n");
}

TEST_CASE("json format: one object per line with node and fields", "[logging]") {
  Capture capture(LogLevel::kInfo, LogFormat::kJson, "peer0.TICA");
  LogInfo("block committed", {{"chain", "mlk"}, {"number", "5"}});
  LogError("bad \"input\"", {{"msg", "collides"}, {"node", "too"}, {"raw", "\xff\xfe ok"}});
  std::vector<std::string> lines = capture.Lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] ==
        "{\"ts\":\"2026-11-23T10:00:00.123Z\",\"level\":\"info\",\"msg\":\"block committed\","
        "\"node\":\"peer0.TICA\",\"chain\":\"mlk\",\"number\":\"5\"}");
  // Reserved keys are renamed rather than duplicated; invalid UTF-8 is replaced, never thrown on.
  nlohmann::json second = nlohmann::json::parse(lines[1]);
  CHECK(second["level"] == "error");
  CHECK(second["msg"] == "bad \"input\"");
  CHECK(second["node"] == "peer0.TICA");
  CHECK(second["_msg"] == "collides");
  CHECK(second["_node"] == "too");
  CHECK(second["raw"] == "\xEF\xBF\xBD\xEF\xBF\xBD ok");
  CHECK(second.size() == 7);
}

TEST_CASE("disabled levels write nothing and skip the work", "[logging]") {
  Capture capture(LogLevel::kWarn, LogFormat::kText);
  CHECK_FALSE(LogEnabled(LogLevel::kInfo));
  CHECK(LogEnabled(LogLevel::kWarn));
  CHECK(LogEnabled(LogLevel::kError));
  LogInfo("hidden");
  LogDebug("hidden");
  int evaluated = 0;
  auto expensive = [&evaluated] {
    ++evaluated;
    return std::string("value");
  };
  MILK_LOG_DEBUG("hidden", {{"k", expensive()}});
  MILK_LOG_TRACE("hidden", {{"k", expensive()}});
  CHECK(evaluated == 0);
  CHECK(capture.Text().empty());
  LogWarn("shown");
  CHECK(capture.Lines().size() == 1);
}

TEST_CASE("macros log when the level is enabled", "[logging]") {
  Capture capture(LogLevel::kTrace, LogFormat::kText);
  MILK_LOG_DEBUG("d", {{"k", std::to_string(1)}});
  MILK_LOG_TRACE("t");
  CHECK(capture.Text() ==
        "2026-11-23T10:00:00.123Z DEBUG d k=1\n"
        "2026-11-23T10:00:00.123Z TRACE t\n");
}

TEST_CASE("Log takes fields built at run time", "[logging]") {
  Capture capture(LogLevel::kInfo, LogFormat::kText);
  std::vector<std::string> values = {"1", "2"};
  std::vector<LogField> fields;
  for (const std::string& v : values) fields.push_back({"n", v});
  Log(LogLevel::kInfo, "dynamic", fields);
  CHECK(capture.Text() == "2026-11-23T10:00:00.123Z INFO  dynamic n=1 n=2\n");
}

TEST_CASE("FormatLogLine handles the epoch and times before it", "[logging]") {
  CHECK(FormatLogLine(LogFormat::kText, -1, LogLevel::kInfo, "", "m", {}) ==
        "1969-12-31T23:59:59.999Z INFO  m");
  CHECK(FormatLogLine(LogFormat::kText, 0, LogLevel::kInfo, "", "m", {}) ==
        "1970-01-01T00:00:00.000Z INFO  m");
}

TEST_CASE("level and format names parse and print", "[logging]") {
  for (LogLevel level :
       {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    Result<LogLevel> parsed = ParseLogLevel(LogLevelName(level));
    REQUIRE(parsed.ok());
    CHECK(*parsed == level);
  }
  CHECK(std::string(LogLevelName(LogLevel::kWarn)) == "warn");
  CHECK(ParseLogLevel("warning").status().code() == Code::kInvalidArgument);
  CHECK(ParseLogLevel("").status().code() == Code::kInvalidArgument);
  CHECK(*ParseLogFormat("json") == LogFormat::kJson);
  CHECK(*ParseLogFormat("text") == LogFormat::kText);
  CHECK(ParseLogFormat("JSON").status().code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace milk::ops
