#include "node/storage/block_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include "crypto/bytes.h"
#include "node/storage/segment_file.h"

namespace milk::node {

namespace {

namespace fs = std::filesystem;
using segment::kHeaderBytes;

// Closes an fd on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Segment indices present in dir, sorted. They must be 0, 1, ..., n-1: a gap means a file
// was lost and everything after it would be misnumbered.
Result<std::vector<uint32_t>> ListSegments(const std::string& dir) {
  std::vector<uint32_t> indices;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), last; !ec && it != last; it.increment(ec)) {
    uint32_t index = 0;
    if (segment::ParseFileName(it->path().filename().string(), &index)) {
      indices.push_back(index);
    }
  }
  if (ec) return IoError("list " + dir + ": " + ec.message());
  std::sort(indices.begin(), indices.end());
  for (uint32_t i = 0; i < indices.size(); ++i) {
    if (indices[i] != i) {
      return DataLoss(dir + ": " + segment::FileName(i) + " is missing but " +
                      segment::FileName(indices[i]) + " exists");
    }
  }
  return indices;
}

class BlockStoreImpl final : public BlockStore {
 public:
  BlockStoreImpl(std::string dir, const BlockStoreOptions& options, int active_fd,
                 BlockPosition end, uint64_t truncated_bytes)
      : dir_(std::move(dir)),
        options_(options),
        active_fd_(active_fd),
        end_(end),
        truncated_bytes_(truncated_bytes) {}
  ~BlockStoreImpl() override { ::close(active_fd_); }

  Result<BlockLocation> Append(std::string_view block_bytes) override;
  Result<std::string> Read(const BlockLocation& location) const override;
  Status Scan(
      BlockPosition from,
      const std::function<bool(const BlockLocation&, std::string_view)>& visit) const override;
  BlockPosition end() const override {
    std::lock_guard<std::mutex> lock(end_mu_);
    return end_;
  }
  uint64_t truncated_bytes() const override { return truncated_bytes_; }

 private:
  std::string PathOf(uint32_t index) const { return dir_ + "/" + segment::FileName(index); }
  // Closes the active segment and creates the next one. Called with append_mu_ held.
  Status Roll();
  // Reads the record at position, which must lie below limit_bytes in its file.
  Status ReadRecordAt(int fd, const std::string& path, uint64_t offset, uint64_t limit_bytes,
                      std::string* payload) const;

  const std::string dir_;
  const BlockStoreOptions options_;
  std::mutex append_mu_;  // serializes writers (the contract allows one, this makes it safe)
  int active_fd_;         // guarded by append_mu_; the last segment, open for writing
  // After a failed write or fsync the file's durable contents are unknown (a retried fsync
  // can report success for pages that were dropped), so the store refuses further appends.
  Status broken_;  // guarded by append_mu_
  mutable std::mutex end_mu_;
  BlockPosition end_;  // guarded by end_mu_; readers never look past it
  const uint64_t truncated_bytes_;
};

Status BlockStoreImpl::Roll() {
  uint32_t next = end().segment + 1;
  MILK_CHECK(next != 0);  // 4 billion segments of 64 MiB is far beyond any disk
  std::string path = PathOf(next);
  MILK_ASSIGN_OR_RETURN(int fd, segment::OpenFile(path, O_RDWR | O_CREAT | O_EXCL));
  if (options_.sync) {
    Status synced = segment::SyncDir(dir_);
    if (!synced.ok()) {
      // The new (empty) file may or may not survive a crash; a retry would find it in the
      // way, and a disk that fails fsync is not one to keep writing to.
      ::close(fd);
      broken_ = synced.WithContext("block store unusable after failed directory sync");
      return synced;
    }
  }
  ::close(active_fd_);
  active_fd_ = fd;
  std::lock_guard<std::mutex> lock(end_mu_);
  end_ = BlockPosition{next, 0};
  return Status::Ok();
}

Result<BlockLocation> BlockStoreImpl::Append(std::string_view block_bytes) {
  if (block_bytes.size() > options_.record_bytes_max) {
    return InvalidArgument("block of " + std::to_string(block_bytes.size()) +
                           " bytes exceeds record_bytes_max " +
                           std::to_string(options_.record_bytes_max));
  }
  std::lock_guard<std::mutex> lock(append_mu_);
  MILK_RETURN_IF_ERROR(broken_);
  uint64_t record_bytes = kHeaderBytes + block_bytes.size();
  BlockPosition at = end();
  if (at.offset > 0 && at.offset + record_bytes > options_.segment_bytes_max) {
    MILK_RETURN_IF_ERROR(Roll());
    at = end();
  }
  std::string record;
  record.reserve(record_bytes);
  segment::PutHeader(&record, block_bytes);
  record.append(block_bytes);
  std::string path = PathOf(at.segment);
  Status written = segment::PWriteAll(active_fd_, path, record, at.offset);
  if (written.ok() && options_.sync && ::fdatasync(active_fd_) != 0) {
    written = segment::ErrnoStatus("fdatasync", path, errno);
  }
  if (!written.ok()) {
    // Cut the partial record so the file ends at end(); if even that fails, stop appending.
    Status cut = segment::TruncateAndSync(active_fd_, path, at.offset);
    if (!cut.ok()) broken_ = written.WithContext("block store unusable after failed append");
    return written;
  }
  std::lock_guard<std::mutex> end_lock(end_mu_);
  end_.offset = at.offset + record_bytes;
  return BlockLocation{at, static_cast<uint32_t>(block_bytes.size())};
}

Status BlockStoreImpl::ReadRecordAt(int fd, const std::string& path, uint64_t offset,
                                    uint64_t limit_bytes, std::string* payload) const {
  auto bad = [&](const std::string& what) {
    return DataLoss(path + " offset " + std::to_string(offset) + ": " + what);
  };
  if (limit_bytes - offset < kHeaderBytes) return bad("short header");
  MILK_RETURN_IF_ERROR(segment::PReadExact(fd, path, offset, kHeaderBytes, payload));
  segment::Header header = segment::ParseHeader(payload->data());
  if (header.magic != segment::kRecordMagic) return bad("bad magic");
  if (header.length > options_.record_bytes_max) return bad("length exceeds record_bytes_max");
  if (header.length > limit_bytes - offset - kHeaderBytes) {
    return bad("payload runs past end of segment");
  }
  MILK_RETURN_IF_ERROR(
      segment::PReadExact(fd, path, offset + kHeaderBytes, header.length, payload));
  if (Crc32c(*payload) != header.crc) return bad("checksum mismatch");
  return Status::Ok();
}

Result<std::string> BlockStoreImpl::Read(const BlockLocation& location) const {
  const BlockPosition& at = location.position;
  BlockPosition limit = end();
  uint64_t record_end = at.offset + kHeaderBytes + location.length;
  if (at.segment > limit.segment || (at.segment == limit.segment && record_end > limit.offset)) {
    return OutOfRange("block location " + segment::FileName(at.segment) + " offset " +
                      std::to_string(at.offset) + " is past the end of the block store");
  }
  // A closed segment is bounded by its file size (a read past it fails as kDataLoss).
  uint64_t limit_bytes = at.segment == limit.segment ? limit.offset : UINT64_MAX;
  std::string path = PathOf(at.segment);
  MILK_ASSIGN_OR_RETURN(int fd, segment::OpenFile(path, O_RDONLY));
  FdCloser closer(fd);
  std::string payload;
  MILK_RETURN_IF_ERROR(ReadRecordAt(fd, path, at.offset, limit_bytes, &payload));
  if (payload.size() != location.length) {
    return DataLoss(path + " offset " + std::to_string(at.offset) + ": record length " +
                    std::to_string(payload.size()) + " but the index says " +
                    std::to_string(location.length));
  }
  return payload;
}

Status BlockStoreImpl::Scan(
    BlockPosition from,
    const std::function<bool(const BlockLocation&, std::string_view)>& visit) const {
  const BlockPosition limit = end();
  if (from.segment > limit.segment ||
      (from.segment == limit.segment && from.offset > limit.offset)) {
    return OutOfRange("scan start is past the end of the block store");
  }
  std::string payload;
  for (uint32_t index = from.segment; index <= limit.segment; ++index) {
    uint64_t offset = index == from.segment ? from.offset : 0;
    if (index == limit.segment && offset == limit.offset) break;
    std::string path = PathOf(index);
    MILK_ASSIGN_OR_RETURN(int fd, segment::OpenFile(path, O_RDONLY));
    FdCloser closer(fd);
    uint64_t limit_bytes = limit.offset;
    if (index < limit.segment) {
      // A closed segment is read to its end; nothing is appended to it any more.
      MILK_ASSIGN_OR_RETURN(limit_bytes, segment::FileSize(fd, path));
    }
    while (offset < limit_bytes) {
      MILK_RETURN_IF_ERROR(ReadRecordAt(fd, path, offset, limit_bytes, &payload));
      BlockLocation location{BlockPosition{index, offset}, static_cast<uint32_t>(payload.size())};
      if (!visit(location, payload)) return Status::Ok();
      offset += kHeaderBytes + payload.size();
    }
  }
  return Status::Ok();
}

// Opens (or creates) the last segment, truncating a torn tail. Returns the fd.
Result<int> OpenLastSegment(const std::string& dir, uint32_t index, bool created,
                            const BlockStoreOptions& options, uint64_t* valid_bytes,
                            uint64_t* truncated_bytes) {
  std::string path = dir + "/" + segment::FileName(index);
  int flags = created ? (O_RDWR | O_CREAT | O_EXCL) : O_RDWR;
  MILK_ASSIGN_OR_RETURN(int fd, segment::OpenFile(path, flags));
  FdCloser closer(fd);
  if (created) {
    if (options.sync) MILK_RETURN_IF_ERROR(segment::SyncDir(dir));
    *valid_bytes = 0;
    *truncated_bytes = 0;
    return closer.release();
  }
  MILK_ASSIGN_OR_RETURN(uint64_t file_bytes, segment::FileSize(fd, path));
  MILK_ASSIGN_OR_RETURN(segment::TailCheck check,
                        segment::CheckSegment(fd, path, file_bytes, options.record_bytes_max));
  if (check.torn_bytes > 0) {
    MILK_RETURN_IF_ERROR(segment::TruncateAndSync(fd, path, check.valid_bytes));
  }
  *valid_bytes = check.valid_bytes;
  *truncated_bytes = check.torn_bytes;
  return closer.release();
}

}  // namespace

Result<std::unique_ptr<BlockStore>> BlockStore::Open(const std::string& dir,
                                                     const BlockStoreOptions& options) {
  if (options.segment_bytes_max <= kHeaderBytes) {
    return InvalidArgument("segment_bytes_max must exceed the record header size");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("create directory " + dir + ": " + ec.message());
  MILK_ASSIGN_OR_RETURN(std::vector<uint32_t> indices, ListSegments(dir));
  bool created = indices.empty();
  uint32_t last = created ? 0 : indices.back();
  uint64_t valid_bytes = 0;
  uint64_t truncated_bytes = 0;
  MILK_ASSIGN_OR_RETURN(
      int fd, OpenLastSegment(dir, last, created, options, &valid_bytes, &truncated_bytes));
  return std::unique_ptr<BlockStore>(std::make_unique<BlockStoreImpl>(
      dir, options, fd, BlockPosition{last, valid_bytes}, truncated_bytes));
}

}  // namespace milk::node
