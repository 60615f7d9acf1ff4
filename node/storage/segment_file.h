// Private to node/storage: the record framing of segment files and the POSIX file helpers the
// block store is built from. Format in docs/storage.md ("Segment records").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace milk::node::segment {

// "MLKB" read as a big-endian u32. Also acts as the record format version: a future format
// gets a new magic, so an old reader refuses it instead of misparsing it.
inline constexpr uint32_t kRecordMagic = 0x4D4C4B42;
// magic | payload length | CRC-32C of payload, each u32 big-endian.
inline constexpr uint64_t kHeaderBytes = 12;

// Appends the 12-byte record header for `payload` to *out.
void PutHeader(std::string* out, std::string_view payload);

struct Header {
  uint32_t magic = 0;
  uint32_t length = 0;
  uint32_t crc = 0;
};
// REQUIRES: p points at kHeaderBytes readable bytes.
Header ParseHeader(const char* p);

// "segment-000003.blk"
std::string FileName(uint32_t index);
// The index when name is exactly a segment file name.
bool ParseFileName(std::string_view name, uint32_t* index);

// A status for a failed system call: "<what> <path>: <strerror(errno_value)>".
Status ErrnoStatus(const std::string& what, const std::string& path, int errno_value);

// open(2) with O_CLOEXEC; retries EINTR.
Result<int> OpenFile(const std::string& path, int flags);
// Writes all of data at offset, looping over short writes and EINTR.
Status PWriteAll(int fd, const std::string& path, std::string_view data, uint64_t offset);
// Reads exactly n bytes at offset into *out; kDataLoss when the file ends first.
Status PReadExact(int fd, const std::string& path, uint64_t offset, uint64_t n, std::string* out);
Result<uint64_t> FileSize(int fd, const std::string& path);
// fsync of a directory, so that a newly created file's entry is durable.
Status SyncDir(const std::string& dir);
// Truncates to size and fsyncs.
Status TruncateAndSync(int fd, const std::string& path, uint64_t size);

// The outcome of checking every record of a segment file.
struct TailCheck {
  uint64_t valid_bytes = 0;  // end of the last intact record
  uint64_t torn_bytes = 0;   // bytes after valid_bytes that form a torn tail (0 if none)
};

// Validates every record of the segment at path (size file_bytes). A bad record after which
// no intact record begins anywhere in the file is a torn tail (reported, not cut here). A bad
// record followed by an intact one is corruption: kDataLoss "<path> offset N: <what>".
Result<TailCheck> CheckSegment(int fd, const std::string& path, uint64_t file_bytes,
                               uint32_t record_bytes_max);

}  // namespace milk::node::segment
