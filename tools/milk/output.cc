#include "tools/milk/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <ostream>
#include <sstream>

#include "crypto/bytes.h"

namespace milk::cli {
namespace {

// 9999-12-31T23:59:59.999Z: four-digit years only.
constexpr int64_t kIsoTimeMsMax = 253402300799999LL;

std::string ErrnoText() { return std::strerror(errno); }

// Length of the UTF-8 sequence starting with lead byte c, or 0 if c cannot start one.
size_t Utf8SequenceLength(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

}  // namespace

std::string Hex(std::string_view bytes) { return ToHex(bytes); }

std::string IsoTimeMs(int64_t unix_ms) {
  if (unix_ms < 0 || unix_ms > kIsoTimeMsMax) return std::to_string(unix_ms);
  const time_t seconds = static_cast<time_t>(unix_ms / 1000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char buf[96];  // room for any int fields, to keep -Wformat-truncation quiet
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

bool IsPrintableUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    const size_t n = Utf8SequenceLength(c);
    if (n == 0 || i + n > bytes.size()) return false;
    if (n == 1 && (c < 0x20 || c == 0x7F) && c != '\t' && c != '\n' && c != '\r') return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(bytes[i + k]) & 0xC0) != 0x80) return false;
    }
    // Overlong 3- and 4-byte forms, surrogates and code points past U+10FFFF.
    const auto c1 = n > 1 ? static_cast<unsigned char>(bytes[i + 1]) : 0;
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 >= 0x90)) {
      return false;
    }
    i += n;
  }
  return true;
}

RenderedPayload RenderPayload(std::string_view bytes) {
  if (IsPrintableUtf8(bytes)) return {std::string(bytes), false};
  return {Hex(bytes), true};
}

void PrintJson(std::ostream& out, const Json& value) { out << value.dump(2) << "\n"; }

Status WriteFileAtomically(const std::string& path, std::string_view bytes, bool replace) {
  struct stat st {};
  if (!replace && ::lstat(path.c_str(), &st) == 0) {
    return AlreadyExists(path + " already exists; pass --force to replace it");
  }
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return IoError("cannot create a file next to " + path + ": " + ErrnoText());
  Status status;
  size_t done = 0;
  while (status.ok() && done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) status = IoError("write " + tmp + ": " + ErrnoText());
    if (n > 0) done += static_cast<size_t>(n);
  }
  if (status.ok() && ::fchmod(fd, 0644) != 0) status = IoError("chmod " + tmp + ": " + ErrnoText());
  if (status.ok() && ::fsync(fd) != 0) status = IoError("fsync " + tmp + ": " + ErrnoText());
  if (::close(fd) != 0 && status.ok()) status = IoError("close " + tmp + ": " + ErrnoText());
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = IoError("rename " + tmp + " to " + path + ": " + ErrnoText());
  }
  if (!status.ok()) ::unlink(tmp.c_str());
  return status;
}

Result<std::string> ReadWholeFile(const std::string& path, size_t bytes_max) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFound(path + " does not exist");
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > bytes_max) {
    return InvalidArgument(path + " is " + std::to_string(st.st_size) + " bytes, more than " +
                           std::to_string(bytes_max));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot open " + path + ": " + ErrnoText());
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace milk::cli
