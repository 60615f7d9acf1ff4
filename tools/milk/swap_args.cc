// Swap refs, ids, typed times and the stage of a swap for `milk swap`.
#include "tools/milk/swap_args.h"

#include <charconv>

namespace milk::cli {
namespace {

constexpr size_t kSwapIdHexChars = 64;  // hex of a SHA-256
constexpr int kYearMin = 1970;          // Unix ms are never negative here
constexpr int kYearMax = 9999;          // RFC 3339's four-digit years
constexpr int64_t kDayMs = 86'400'000;
// Digits of a count in "+<n><unit>" or of plain Unix ms: 15 digits reach year 9999 in ms and keep
// every product below int64's limit, checked again against the bound after.
constexpr size_t kCountDigitsMax = 15;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The whole text as a non-negative number of at most kCountDigitsMax digits.
bool ParseCount(std::string_view text, int64_t* value) {
  if (text.empty() || text.size() > kCountDigitsMax) return false;
  for (char c : text) {
    if (!IsDigit(c)) return false;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to year-month-day. REQUIRES: a valid date from kYearMin on.
int64_t DaysSinceEpoch(int year, int month, int day) {
  int64_t days = 0;
  for (int y = kYearMin; y < year; ++y) days += IsLeapYear(y) ? 366 : 365;
  for (int m = 1; m < month; ++m) days += DaysInMonth(year, m);
  return days + day - 1;
}

// text[at, at+width) as a number in [low, high].
bool Field(std::string_view text, size_t at, size_t width, int low, int high, int* value) {
  if (at + width > text.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + width; ++i) {
    if (!IsDigit(text[i])) return false;
    v = v * 10 + (text[i] - '0');
  }
  *value = v;
  return v >= low && v <= high;
}

bool Char(std::string_view text, size_t at, std::string_view allowed) {
  return at < text.size() && allowed.find(text[at]) != std::string_view::npos;
}

// RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.f{1,3}](Z|+HH:MM|-HH:MM).
bool ParseRfc3339(std::string_view text, int64_t* unix_ms) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Field(text, 0, 4, kYearMin, kYearMax, &year) || !Char(text, 4, "-") ||
      !Field(text, 5, 2, 1, 12, &month) || !Char(text, 7, "-") ||
      !Field(text, 8, 2, 1, DaysInMonth(year, month), &day) || !Char(text, 10, "Tt ") ||
      !Field(text, 11, 2, 0, 23, &hour) || !Char(text, 13, ":") ||
      !Field(text, 14, 2, 0, 59, &minute) || !Char(text, 16, ":") ||
      !Field(text, 17, 2, 0, 59, &second)) {
    return false;
  }
  size_t at = 19;
  int64_t millis = 0;
  if (Char(text, at, ".")) {
    size_t digits = 0;
    for (++at; at < text.size() && IsDigit(text[at]); ++at, ++digits) {
      if (digits == 3) return false;  // finer than a millisecond: never rounded
      millis = millis * 10 + (text[at] - '0');
    }
    if (digits == 0) return false;
    for (; digits < 3; ++digits) millis *= 10;
  }
  int64_t offset_minutes = 0;
  if (Char(text, at, "Zz")) {
    ++at;
  } else if (Char(text, at, "+-")) {
    int offset_hours = 0, offset_mins = 0;
    if (!Field(text, at + 1, 2, 0, 23, &offset_hours) || !Char(text, at + 3, ":") ||
        !Field(text, at + 4, 2, 0, 59, &offset_mins)) {
      return false;
    }
    offset_minutes = (text[at] == '-' ? -1 : 1) * (offset_hours * 60 + offset_mins);
    at += 6;
  } else {
    return false;
  }
  if (at != text.size()) return false;
  const int64_t seconds = DaysSinceEpoch(year, month, day) * 86'400 + hour * 3600 + minute * 60 +
                          second - offset_minutes * 60;
  if (seconds < 0) return false;
  *unix_ms = seconds * 1000 + millis;
  return true;
}

// "+<n><s|m|h|d>" as milliseconds.
bool ParseRelative(std::string_view text, int64_t* ahead_ms) {
  if (text.size() < 3 || text[0] != '+') return false;
  int64_t count = 0;
  if (!ParseCount(text.substr(1, text.size() - 2), &count)) return false;
  int64_t unit_ms = 0;
  switch (text.back()) {
    case 's':
      unit_ms = 1000;
      break;
    case 'm':
      unit_ms = 60'000;
      break;
    case 'h':
      unit_ms = 3'600'000;
      break;
    case 'd':
      unit_ms = kDayMs;
      break;
    default:
      return false;
  }
  if (count > kDeadlineAheadMsMax / unit_ms) return false;
  *ahead_ms = count * unit_ms;
  return true;
}

std::string StateOf(const Json& record) {
  if (record.is_null()) return "none";
  const Json state = record.is_object() ? record.value("state", Json()) : Json();
  return state.is_string() ? state.get<std::string>() : "?";
}

}  // namespace

Status CheckSwapRef(std::string_view ref) {
  bool valid = !ref.empty() && ref.size() <= kSwapRefBytesMax;
  for (char c : ref) {
    const bool alnum = IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    valid = valid && (alnum || c == '.' || c == '_' || c == ':' || c == '-');
  }
  if (valid) return Status::Ok();
  return InvalidArgument("ref \"" + std::string(ref) + "\" must be 1 to " +
                         std::to_string(kSwapRefBytesMax) +
                         " characters of A-Z a-z 0-9 . _ : - (your own name for the swap)");
}

Status CheckSwapId(std::string_view id) {
  bool valid = id.size() == kSwapIdHexChars;
  for (char c : id) valid = valid && (IsDigit(c) || (c >= 'a' && c <= 'f'));
  if (valid) return Status::Ok();
  return InvalidArgument("swap id \"" + std::string(id) +
                         "\" must be 64 lower-case hex characters (as `milk swap sell` prints)");
}

Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms, std::string_view what) {
  int64_t value = 0;
  if (ParseCount(text, &value)) return value;
  if (ParseRfc3339(text, &value)) return value;
  if (ParseRelative(text, &value)) return now_ms + value;
  return InvalidArgument(std::string(what) +
                         " must be Unix ms, an RFC 3339 time like "
                         "2026-11-24T03:00:00Z, or a duration from now like +30m (s, m, h, d; at "
                         "most 3650 days), got \"" +
                         std::string(text) + "\"");
}

SwapStage StageOf(const Json& brand_record, const Json& center_decision) {
  const std::string brand = StateOf(brand_record);
  const std::string center = StateOf(center_decision);
  if (brand == "none" && center == "none") {
    return {"unknown", "neither chain knows this swap"};
  }
  if (brand == "locked" && center == "none") {
    return {"waiting_for_decision",
            "locked on the brand chain; the center has not decided yet (the relay carries the "
            "lock there; after the deadline, `milk swap abort` cancels it)"};
  }
  if (brand == "locked" && center == "settled") {
    return {"waiting_for_finish", "settled on the center; the brand chain releases it next"};
  }
  if (brand == "locked" && center == "aborted") {
    return {"waiting_for_finish", "aborted on the center; the brand chain refunds it next"};
  }
  if (brand == "released" && center == "settled") return {"settled", "done: settled"};
  if (brand == "refunded" && center == "aborted") return {"refunded", "done: refunded"};
  if (brand == "none" && center == "aborted") {
    return {"aborted_before_lock",
            "aborted on the center before any lock was seen; a lock that arrives later is "
            "refunded"};
  }
  return {"inconsistent", "inconsistent: the brand chain says " + brand + " but the center says " +
                              center + " (is -C the brand chain of this swap?)"};
}

}  // namespace milk::cli
