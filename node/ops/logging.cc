#include "node/ops/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

namespace milk::ops {
namespace {

struct LoggerState {
  std::shared_ptr<spdlog::logger> logger;
  LogFormat format = LogFormat::kText;
  std::string node_name;
  const Clock* clock = nullptr;  // null: the system clock
};

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_mu;
std::shared_ptr<const LoggerState> g_state;  // guarded by g_mu; null until first use

std::shared_ptr<const LoggerState> MakeState(LogFormat format, std::string node_name,
                                             std::shared_ptr<spdlog::sinks::sink> sink,
                                             const Clock* clock) {
  auto state = std::make_shared<LoggerState>();
  // Not registered with spdlog's global registry: re-initialising must not clash on the name.
  state->logger = std::make_shared<spdlog::logger>("milk", std::move(sink));
  state->logger->set_pattern("%v");  // the line is complete; spdlog adds only the newline
  state->logger->set_level(spdlog::level::trace);  // filtering happens in LogEnabled
  state->logger->flush_on(spdlog::level::warn);
  state->format = format;
  state->node_name = std::move(node_name);
  state->clock = clock;
  return state;
}

std::shared_ptr<const LoggerState> CurrentState() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_state) {
    g_state =
        MakeState(LogFormat::kText, "", std::make_shared<spdlog::sinks::stderr_sink_mt>(), nullptr);
  }
  return g_state;
}

spdlog::level::level_enum SpdlogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::err;
}

// 2026-11-23T10:00:00.123Z
std::string FormatTimestamp(int64_t unix_ms) {
  int64_t seconds = unix_ms / 1000;
  int64_t millis = unix_ms % 1000;
  if (millis < 0) {  // floor division for times before 1970
    millis += 1000;
    seconds -= 1;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[128];  // ample for any int fields, so snprintf never truncates
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

bool IsControl(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// Escapes '"', '\' (when quoting) and control characters so the text stays on one line.
void AppendEscaped(std::string_view s, bool quoting, std::string& out) {
  for (char c : s) {
    if (quoting && (c == '"' || c == '\\')) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (IsControl(c)) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
}

bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '=' || c == '"' || IsControl(c)) return true;
  }
  return false;
}

std::string JsonString(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool IsReservedJsonKey(std::string_view key) {
  return key == "ts" || key == "level" || key == "msg" || key == "node";
}

std::string FormatText(int64_t unix_ms, LogLevel level, std::string_view msg,
                       std::span<const LogField> fields) {
  std::string level_name = LogLevelName(level);
  for (char& c : level_name) c = static_cast<char>(c - 'a' + 'A');
  level_name.resize(5, ' ');  // "INFO " lines up with "ERROR"
  std::string out = FormatTimestamp(unix_ms) + " " + level_name + " ";
  AppendEscaped(msg, false, out);
  for (const LogField& field : fields) {
    out += ' ';
    AppendEscaped(field.key, false, out);
    out += '=';
    bool quote = NeedsQuotes(field.value);
    if (quote) out += '"';
    AppendEscaped(field.value, quote, out);
    if (quote) out += '"';
  }
  return out;
}

std::string FormatJson(int64_t unix_ms, LogLevel level, std::string_view node_name,
                       std::string_view msg, std::span<const LogField> fields) {
  std::string out = "{\"ts\":\"" + FormatTimestamp(unix_ms) + "\",\"level\":\"" +
                    LogLevelName(level) + "\",\"msg\":" + JsonString(msg) +
                    ",\"node\":" + JsonString(node_name);
  for (const LogField& field : fields) {
    std::string key(field.key);
    if (IsReservedJsonKey(key)) key = "_" + key;
    out += "," + JsonString(key) + ":" + JsonString(field.value);
  }
  out += '}';
  return out;
}

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "error";
}

Result<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel level :
       {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == LogLevelName(level)) return level;
  }
  return InvalidArgument("unknown log level \"" + std::string(name) +
                         "\" (expected trace, debug, info, warn or error)");
}

const char* LogFormatName(LogFormat format) { return format == LogFormat::kJson ? "json" : "text"; }

Result<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return InvalidArgument("unknown log format \"" + std::string(name) +
                         "\" (expected text or json)");
}

void InitLogging(LogLevel level, LogFormat format, std::string node_name) {
  InitLogging(level, format, std::move(node_name),
              std::make_shared<spdlog::sinks::stderr_sink_mt>(), nullptr);
}

void InitLogging(LogLevel level, LogFormat format, std::string node_name,
                 std::shared_ptr<spdlog::sinks::sink> sink, const Clock* clock) {
  auto state = MakeState(format, std::move(node_name), std::move(sink), clock);
  std::lock_guard<std::mutex> lock(g_mu);
  g_state = std::move(state);
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void Log(LogLevel level, std::string_view msg, std::span<const LogField> fields) {
  if (!LogEnabled(level)) return;
  std::shared_ptr<const LoggerState> state = CurrentState();
  int64_t now_ms = state->clock ? state->clock->NowMs() : SystemClock::Instance().NowMs();
  std::string line = FormatLogLine(state->format, now_ms, level, state->node_name, msg, fields);
  state->logger->log(SpdlogLevel(level), spdlog::string_view_t(line.data(), line.size()));
}

void LogTrace(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(LogLevel::kTrace, msg, std::span<const LogField>(fields.begin(), fields.size()));
}
void LogDebug(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(LogLevel::kDebug, msg, std::span<const LogField>(fields.begin(), fields.size()));
}
void LogInfo(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(LogLevel::kInfo, msg, std::span<const LogField>(fields.begin(), fields.size()));
}
void LogWarn(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(LogLevel::kWarn, msg, std::span<const LogField>(fields.begin(), fields.size()));
}
void LogError(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(LogLevel::kError, msg, std::span<const LogField>(fields.begin(), fields.size()));
}

std::string FormatLogLine(LogFormat format, int64_t unix_ms, LogLevel level,
                          std::string_view node_name, std::string_view msg,
                          std::span<const LogField> fields) {
  if (format == LogFormat::kJson) return FormatJson(unix_ms, level, node_name, msg, fields);
  return FormatText(unix_ms, level, msg, fields);
}

}  // namespace milk::ops
