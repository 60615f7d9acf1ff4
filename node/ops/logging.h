// Structured logging on spdlog (ARCHITECTURE.md section 10): a message plus key=value fields,
// one line per event, on stderr.
//
//   LogInfo("block committed", {{"chain", id}, {"number", std::to_string(n)}});
//
// text: 2026-11-23T10:00:00.123Z INFO  block committed chain=mlk number=5
// json: {"ts":"2026-11-23T10:00:00.123Z","level":"info","msg":"block committed","node":"peer0",
//        "chain":"mlk","number":"5"}
//
// Text values containing a space, '=', '"', a control character, or empty are quoted, with '"',
// '\' and control characters escaped, so a line always splits back into its fields. The text
// format omits the node name (one node's stderr is read by a person); json carries it for log
// collectors that merge nodes. Times are UTC with milliseconds. Field values are strings: the
// caller formats numbers, so the logger never guesses a type. In json, a field whose key collides
// with ts, level, msg or node is written with a leading '_'; invalid UTF-8 is replaced by U+FFFD.
//
// Cost: when the level is disabled, LogX returns after one relaxed atomic load, but its arguments
// (e.g. std::to_string) are still evaluated. Use MILK_LOG_DEBUG / MILK_LOG_TRACE on hot paths:
// they skip argument evaluation too.
//
// Thread-safety: all functions are thread-safe. InitLogging may be called again (tests do); lines
// logged concurrently with it go to either the old or the new configuration. Before the first
// InitLogging, logging goes to stderr at info level in text format with an empty node name.
// Components log through these functions, not through spdlog directly, so every line has one
// format.
#pragma once

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "crypto/clock.h"
#include "crypto/status.h"

namespace spdlog::sinks {
class sink;
}  // namespace spdlog::sinks

namespace milk::ops {

enum class LogLevel { kTrace = 0, kDebug = 1, kInfo = 2, kWarn = 3, kError = 4 };
enum class LogFormat { kText, kJson };

// "trace", "debug", "info", "warn", "error"; inverse is ParseLogLevel (kInvalidArgument otherwise).
const char* LogLevelName(LogLevel level);
Result<LogLevel> ParseLogLevel(std::string_view name);
// "text", "json"; inverse is ParseLogFormat (kInvalidArgument otherwise).
const char* LogFormatName(LogFormat format);
Result<LogFormat> ParseLogFormat(std::string_view name);

struct LogField {
  std::string_view key;    // a short identifier: chain, number, tx_id, ...
  std::string_view value;  // any bytes; quoted or escaped as needed
};

// Sends lines at `level` and above to stderr in `format`; json lines carry node_name.
void InitLogging(LogLevel level, LogFormat format, std::string node_name);
// As above, but lines go to `sink` and, when clock is not null, timestamps come from it (tests
// capture output exactly this way). `clock`, when given, must outlive the next InitLogging call.
void InitLogging(LogLevel level, LogFormat format, std::string node_name,
                 std::shared_ptr<spdlog::sinks::sink> sink, const Clock* clock = nullptr);

// True when a line at `level` would be written. One relaxed atomic load.
bool LogEnabled(LogLevel level);

void Log(LogLevel level, std::string_view msg, std::span<const LogField> fields);
void LogTrace(std::string_view msg, std::initializer_list<LogField> fields = {});
void LogDebug(std::string_view msg, std::initializer_list<LogField> fields = {});
void LogInfo(std::string_view msg, std::initializer_list<LogField> fields = {});
void LogWarn(std::string_view msg, std::initializer_list<LogField> fields = {});
void LogError(std::string_view msg, std::initializer_list<LogField> fields = {});

// The line Log would write, without the trailing newline: used by the logger itself and by tests.
std::string FormatLogLine(LogFormat format, int64_t unix_ms, LogLevel level,
                          std::string_view node_name, std::string_view msg,
                          std::span<const LogField> fields);

}  // namespace milk::ops

// Like LogDebug / LogTrace, but the arguments are not evaluated when the level is disabled:
//   MILK_LOG_DEBUG("endorsed", {{"tx_id", HexEncode(id)}});
#define MILK_LOG_DEBUG(...)                                     \
  do {                                                          \
    if (::milk::ops::LogEnabled(::milk::ops::LogLevel::kDebug)) \
      ::milk::ops::LogDebug(__VA_ARGS__);                       \
  } while (0)
#define MILK_LOG_TRACE(...)                                     \
  do {                                                          \
    if (::milk::ops::LogEnabled(::milk::ops::LogLevel::kTrace)) \
      ::milk::ops::LogTrace(__VA_ARGS__);                       \
  } while (0)
