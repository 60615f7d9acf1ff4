#include "node/storage/segment_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "crypto/bytes.h"

namespace milk::node::segment {

namespace {

constexpr std::string_view kNamePrefix = "segment-";
constexpr std::string_view kNameSuffix = ".blk";
constexpr size_t kNameDigits = 6;
// Reading granularity when searching a bad tail for a later intact record: bounded memory
// whatever the size of the garbage, few enough system calls for a 64 MiB segment.
constexpr uint64_t kSearchChunkBytes = 1u << 20;

Status Bad(const std::string& path, uint64_t offset, const std::string& what) {
  return DataLoss(path + " offset " + std::to_string(offset) + ": " + what);
}

// The framing problem of the record at offset, or "" when it is intact.
Result<std::string> ProblemAt(int fd, const std::string& path, uint64_t file_bytes, uint64_t offset,
                              uint32_t record_bytes_max, uint64_t* record_bytes) {
  if (file_bytes - offset < kHeaderBytes) return std::string("short header");
  std::string bytes;
  MILK_RETURN_IF_ERROR(PReadExact(fd, path, offset, kHeaderBytes, &bytes));
  Header header = ParseHeader(bytes.data());
  if (header.magic != kRecordMagic) return std::string("bad magic");
  if (header.length > record_bytes_max) {
    return "length " + std::to_string(header.length) + " exceeds record_bytes_max";
  }
  if (header.length > file_bytes - offset - kHeaderBytes) {
    return std::string("payload runs past end of file");
  }
  MILK_RETURN_IF_ERROR(PReadExact(fd, path, offset + kHeaderBytes, header.length, &bytes));
  if (Crc32c(bytes) != header.crc) return std::string("checksum mismatch");
  *record_bytes = kHeaderBytes + header.length;
  return std::string();
}

// Whether an intact record starts anywhere in (after, file_bytes).
Result<bool> IntactRecordAfter(int fd, const std::string& path, uint64_t file_bytes, uint64_t after,
                               uint32_t record_bytes_max) {
  std::string magic;
  PutFixed32BE(&magic, kRecordMagic);
  std::string chunk;
  for (uint64_t start = after + 1; start + kHeaderBytes <= file_bytes; start += kSearchChunkBytes) {
    // Overlap by 3 bytes so that a magic split across two chunks is still seen.
    uint64_t n = std::min<uint64_t>(kSearchChunkBytes + 3, file_bytes - start);
    MILK_RETURN_IF_ERROR(PReadExact(fd, path, start, n, &chunk));
    uint64_t candidates = std::min<uint64_t>(kSearchChunkBytes, n - 3);
    for (uint64_t i = 0; i < candidates; ++i) {
      if (std::memcmp(chunk.data() + i, magic.data(), 4) != 0) continue;
      uint64_t record_bytes = 0;
      MILK_ASSIGN_OR_RETURN(std::string problem, ProblemAt(fd, path, file_bytes, start + i,
                                                           record_bytes_max, &record_bytes));
      if (problem.empty()) return true;
    }
  }
  return false;
}

}  // namespace

void PutHeader(std::string* out, std::string_view payload) {
  PutFixed32BE(out, kRecordMagic);
  PutFixed32BE(out, static_cast<uint32_t>(payload.size()));
  PutFixed32BE(out, Crc32c(payload));
}

Header ParseHeader(const char* p) {
  return Header{GetFixed32BE(p), GetFixed32BE(p + 4), GetFixed32BE(p + 8)};
}

std::string FileName(uint32_t index) {
  char digits[16];
  std::snprintf(digits, sizeof(digits), "%06u", index);
  return std::string(kNamePrefix) + digits + std::string(kNameSuffix);
}

bool ParseFileName(std::string_view name, uint32_t* index) {
  if (name.size() != kNamePrefix.size() + kNameDigits + kNameSuffix.size()) return false;
  if (name.substr(0, kNamePrefix.size()) != kNamePrefix) return false;
  if (name.substr(name.size() - kNameSuffix.size()) != kNameSuffix) return false;
  uint32_t value = 0;
  for (char c : name.substr(kNamePrefix.size(), kNameDigits)) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  *index = value;
  return true;
}

Status ErrnoStatus(const std::string& what, const std::string& path, int errno_value) {
  return IoError(what + " " + path + ": " + std::strerror(errno_value));
}

Result<int> OpenFile(const std::string& path, int flags) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  return fd;
}

Status PWriteAll(int fd, const std::string& path, std::string_view data, uint64_t offset) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status PReadExact(int fd, const std::string& path, uint64_t offset, uint64_t n, std::string* out) {
  out->resize(n);
  uint64_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd, out->data() + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path, errno);
    }
    if (got == 0) return Bad(path, offset, "file ends inside the record");
    done += static_cast<uint64_t>(got);
  }
  return Status::Ok();
}

Result<uint64_t> FileSize(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus("stat", path, errno);
  return static_cast<uint64_t>(st.st_size);
}

Status SyncDir(const std::string& dir) {
  MILK_ASSIGN_OR_RETURN(int fd, OpenFile(dir, O_RDONLY | O_DIRECTORY));
  int rc = ::fsync(fd);
  int saved_errno = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus("fsync", dir, saved_errno);
  return Status::Ok();
}

Status TruncateAndSync(int fd, const std::string& path, uint64_t size) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    return ErrnoStatus("truncate", path, errno);
  }
  if (::fsync(fd) != 0) return ErrnoStatus("fsync", path, errno);
  return Status::Ok();
}

Result<TailCheck> CheckSegment(int fd, const std::string& path, uint64_t file_bytes,
                               uint32_t record_bytes_max) {
  uint64_t offset = 0;
  while (offset < file_bytes) {
    uint64_t record_bytes = 0;
    MILK_ASSIGN_OR_RETURN(std::string problem,
                          ProblemAt(fd, path, file_bytes, offset, record_bytes_max, &record_bytes));
    if (problem.empty()) {
      offset += record_bytes;
      continue;
    }
    MILK_ASSIGN_OR_RETURN(bool more,
                          IntactRecordAfter(fd, path, file_bytes, offset, record_bytes_max));
    if (more) return Bad(path, offset, problem);
    return TailCheck{offset, file_bytes - offset};
  }
  return TailCheck{offset, 0};
}

}  // namespace milk::node::segment
