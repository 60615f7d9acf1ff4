#include "node/wal/wal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <span>
#include <system_error>
#include <utility>

#include "node/storage/segment_file.h"
#include "node/wal/wal_format.h"
#include "node/wal/wal_model.h"
#include "node/wal/wal_recovery.h"

namespace milk::node::wal {

namespace {

namespace fs = std::filesystem;

// Held (flock) while a Wal is open: a second writer on the same directory, in this process or
// another, would interleave records and void every guarantee.
constexpr std::string_view kLockFileName = "LOCK";
// The smallest record_bytes_max accepted: a segment header with a small conf state must fit.
constexpr uint32_t kRecordBytesMin = 1024;

Result<int> LockDir(const std::string& dir) {
  std::string path = dir + "/" + std::string(kLockFileName);
  MILK_ASSIGN_OR_RETURN(int fd, segment::OpenFile(path, O_RDWR | O_CREAT));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int saved_errno = errno;
    ::close(fd);
    if (saved_errno == EWOULDBLOCK) {
      return FailedPrecondition(dir + " is in use by another open WAL");
    }
    return segment::ErrnoStatus("lock", path, saved_errno);
  }
  return fd;
}

struct NewSegment {
  int fd = -1;
  uint64_t bytes = 0;
  std::string path;
};

// Writes a segment holding only its header under a temporary name, fsyncs it, renames it into
// place and fsyncs the directory: a segment file name therefore always points at a complete
// header. *renamed tells whether a failure came after the rename, when the new name may or may
// not survive a crash.
Result<NewSegment> CreateSegment(const std::string& dir, const format::SegmentHeader& header,
                                 bool* renamed) {
  *renamed = false;
  NewSegment created;
  created.path = dir + "/" + format::SegmentFileName(header.seq, header.first_index);
  std::error_code ec;
  if (fs::exists(created.path, ec)) return Internal(created.path + " exists already");
  std::string temp = created.path + std::string(format::kTempSuffix);
  std::string bytes;
  format::AppendRecord(&bytes, format::kFlagWriteStart, header);
  MILK_ASSIGN_OR_RETURN(int fd, segment::OpenFile(temp, O_RDWR | O_CREAT | O_TRUNC));
  Status status = segment::PWriteAll(fd, temp, bytes, 0);
  if (status.ok() && ::fsync(fd) != 0) status = segment::ErrnoStatus("fsync", temp, errno);
  if (status.ok() && ::rename(temp.c_str(), created.path.c_str()) != 0) {
    status = segment::ErrnoStatus("rename", temp, errno);
  }
  if (!status.ok()) {
    ::close(fd);
    ::unlink(temp.c_str());
    return status;
  }
  *renamed = true;
  status = segment::SyncDir(dir);
  if (!status.ok()) {
    ::close(fd);
    return status;
  }
  created.fd = fd;
  created.bytes = bytes.size();
  return created;
}

class WalImpl final : public Wal {
 public:
  WalImpl(std::string dir, const WalOptions& options, int lock_fd, int active_fd,
          uint64_t active_bytes, Recovered recovered)
      : dir_(std::move(dir)),
        options_(options),
        lock_fd_(lock_fd),
        active_fd_(active_fd),
        active_bytes_(active_bytes),
        model_(std::move(recovered.model)),
        segments_(std::move(recovered.segments)) {}
  ~WalImpl() override {
    ::close(active_fd_);
    ::close(lock_fd_);
  }

  Status Save(const std::optional<WalHardState>& hard_state,
              const std::vector<WalEntry>& entries) override;
  Status SaveSnapshotMark(const WalSnapshotMark& mark) override;
  Status Compact(uint64_t index) override;
  uint64_t LastIndex() const override { return model_.LastIndex(); }
  std::optional<WalHardState> hard_state() const override { return model_.hard_state(); }
  std::optional<WalSnapshotMark> snapshot_mark() const override { return model_.snapshot_mark(); }
  size_t segment_count() const override { return segments_.size(); }

 private:
  // Appends batch (whole records, the first flagged kFlagWriteStart) to the active segment,
  // rolling over first when it would not fit, and fdatasyncs.
  Status Write(const std::string& batch);
  // Starts the next segment, whose header carries the current state.
  Status Roll();

  const std::string dir_;
  const WalOptions options_;
  const int lock_fd_;
  int active_fd_;                      // the last segment, open for writing
  uint64_t active_bytes_;              // its size: the end of its last durable write
  LogModel model_;                     // what the durable records mean (indexes and terms, no data)
  std::vector<SegmentInfo> segments_;  // by seq; back() is the active one
  // After a failed fdatasync (or a failed write that could not be cut back) the file's
  // durable contents are unknown: a retried fsync can report success for pages the kernel
  // dropped. Every later call then fails; the node restarts and recovers from the files.
  Status broken_;
};

Status WalImpl::Write(const std::string& batch) {
  if (segments_.back().has_writes && active_bytes_ + batch.size() > options_.segment_bytes_max) {
    MILK_RETURN_IF_ERROR(Roll());
  }
  const std::string& path = segments_.back().path;
  Status written = segment::PWriteAll(active_fd_, path, batch, active_bytes_);
  if (!written.ok()) {
    // Cut the partial write so the file ends at its last durable write again.
    Status cut = segment::TruncateAndSync(active_fd_, path, active_bytes_);
    if (!cut.ok()) {
      broken_ = written.WithContext("WAL unusable after a failed write that could not be cut");
    }
    return written;
  }
  if (::fdatasync(active_fd_) != 0) {
    Status failed = segment::ErrnoStatus("fdatasync", path, errno);
    broken_ = failed.WithContext("WAL unusable after a failed fdatasync");
    return failed;
  }
  active_bytes_ += batch.size();
  segments_.back().has_writes = true;
  return Status::Ok();
}

Status WalImpl::Roll() {
  const SegmentInfo& active = segments_.back();
  MILK_CHECK(active.seq + 1 != 0);
  format::SegmentHeader header{format::kFormatVersion, active.seq + 1, model_.LastIndex() + 1,
                               model_.hard_state(), model_.snapshot_mark()};
  bool renamed = false;
  Result<NewSegment> created = CreateSegment(dir_, header, &renamed);
  if (!created.ok()) {
    if (renamed) broken_ = created.status().WithContext("WAL unusable after a failed rollover");
    return created.status();
  }
  ::close(active_fd_);
  active_fd_ = created->fd;
  active_bytes_ = created->bytes;
  segments_.push_back(SegmentInfo{header.seq, header.first_index, created->path, 0, false});
  return Status::Ok();
}

Status WalImpl::Save(const std::optional<WalHardState>& hard_state,
                     const std::vector<WalEntry>& entries) {
  MILK_RETURN_IF_ERROR(broken_);
  size_t held = 0;
  std::string problem = model_.CheckSave(hard_state, entries, &held);
  if (!problem.empty()) return InvalidArgument("WAL save refused: " + problem);
  std::span<const WalEntry> fresh = std::span(entries).subspan(held);
  bool save_hard_state = hard_state && hard_state != model_.hard_state();
  if (!save_hard_state && fresh.empty()) return Status::Ok();
  uint64_t batch_bytes = format::kTruncateRecordBytes + format::kHardStateRecordBytes;
  for (const WalEntry& entry : fresh) {
    uint64_t payload_bytes = format::kEntryOverheadBytes + entry.data.size();
    if (payload_bytes > options_.record_bytes_max) {
      return InvalidArgument("WAL save refused: entry " + std::to_string(entry.index) + " of " +
                             std::to_string(payload_bytes) + " bytes exceeds record_bytes_max");
    }
    batch_bytes += format::kFrameBytes + payload_bytes;
  }
  if (batch_bytes > options_.write_bytes_max) {
    return InvalidArgument("WAL save refused: " + std::to_string(batch_bytes) +
                           " bytes exceed write_bytes_max; split the batch");
  }
  std::optional<uint64_t> truncate_at;
  if (!fresh.empty() && fresh.front().index <= model_.LastIndex()) {
    truncate_at = fresh.front().index;  // Raft's conflict rule: replace the suffix
  }
  std::string batch;
  batch.reserve(batch_bytes);
  uint8_t flags = format::kFlagWriteStart;  // on the first record only
  if (truncate_at) {
    format::AppendRecord(&batch, std::exchange(flags, 0), format::Truncate{*truncate_at});
  }
  for (const WalEntry& entry : fresh) format::AppendRecord(&batch, std::exchange(flags, 0), entry);
  // Last: its commit may point into the entries above.
  if (save_hard_state) format::AppendRecord(&batch, std::exchange(flags, 0), *hard_state);
  MILK_RETURN_IF_ERROR(Write(batch));

  if (truncate_at) MILK_CHECK(model_.ApplyTruncate(*truncate_at).empty());
  for (const WalEntry& entry : fresh) {
    MILK_CHECK(model_.ApplyEntry(WalEntry{entry.term, entry.index, entry.type, {}}).empty());
    segments_.back().max_entry_index = std::max(segments_.back().max_entry_index, entry.index);
  }
  if (save_hard_state) MILK_CHECK(model_.ApplyHardState(*hard_state).empty());
  return Status::Ok();
}

Status WalImpl::SaveSnapshotMark(const WalSnapshotMark& mark) {
  MILK_RETURN_IF_ERROR(broken_);
  bool replaces_log = false;
  std::string problem = model_.CheckMark(mark, &replaces_log);
  if (!problem.empty()) return InvalidArgument("WAL snapshot mark refused: " + problem);
  // Every later segment header repeats the mark, so the header bound is the one that counts.
  if (format::kSegmentHeaderOverheadBytes + mark.conf_state.size() > options_.record_bytes_max) {
    return InvalidArgument("WAL snapshot mark refused: conf_state of " +
                           std::to_string(mark.conf_state.size()) +
                           " bytes does not fit record_bytes_max");
  }
  std::string batch;
  format::AppendRecord(&batch, format::kFlagWriteStart, mark);
  // The log disagrees with the snapshot at mark.index: Raft replaces it by the snapshot.
  if (replaces_log) format::AppendRecord(&batch, 0, format::Truncate{mark.index + 1});
  MILK_RETURN_IF_ERROR(Write(batch));
  MILK_CHECK(model_.ApplyMark(mark).empty());
  if (replaces_log) MILK_CHECK(model_.ApplyTruncate(mark.index + 1).empty());
  return Status::Ok();
}

Status WalImpl::Compact(uint64_t index) {
  MILK_RETURN_IF_ERROR(broken_);
  if (index > model_.mark_index()) {
    return FailedPrecondition(
        "WAL compaction to " + std::to_string(index) + " refused: the snapshot mark is at " +
        std::to_string(model_.mark_index()) + "; later entries are in no snapshot");
  }
  // Oldest first, one directory sync each, so a crash leaves the remaining seqs contiguous.
  while (segments_.size() > 1 && segments_.front().max_entry_index <= index) {
    const std::string& path = segments_.front().path;
    if (::unlink(path.c_str()) != 0) return segment::ErrnoStatus("unlink", path, errno);
    segments_.erase(segments_.begin());
    MILK_RETURN_IF_ERROR(segment::SyncDir(dir_));
  }
  return Status::Ok();
}

Status CheckOptions(const WalOptions& options) {
  if (options.segment_bytes_max == 0 || options.write_bytes_max == 0 ||
      options.record_bytes_max < kRecordBytesMin) {
    return InvalidArgument(
        "WAL options: segment_bytes_max and write_bytes_max must be positive "
        "and record_bytes_max at least " +
        std::to_string(kRecordBytesMin));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, const WalOptions& options,
                                       WalRecovery* recovery) {
  MILK_CHECK(recovery != nullptr);
  MILK_RETURN_IF_ERROR(CheckOptions(options));
  std::error_code ec;
  bool created_dir = fs::create_directories(dir, ec);
  if (ec) return IoError("create directory " + dir + ": " + ec.message());
  if (created_dir) {
    // So that the directory's own name survives a crash.
    fs::path path = fs::absolute(fs::path(dir), ec).lexically_normal();
    if (!path.has_filename()) path = path.parent_path();  // "a/b/" names b
    if (!ec) MILK_RETURN_IF_ERROR(segment::SyncDir(path.parent_path().string()));
  }
  MILK_ASSIGN_OR_RETURN(int lock_fd, LockDir(dir));
  struct LockCloser {
    int fd;
    ~LockCloser() {
      if (fd >= 0) ::close(fd);
    }
  } lock_closer{lock_fd};

  MILK_ASSIGN_OR_RETURN(Recovered recovered, Recover(dir, options));
  for (const std::string& temp : recovered.temp_files) ::unlink(temp.c_str());
  int active_fd = -1;
  uint64_t active_bytes = 0;
  if (recovered.segments.empty()) {
    bool renamed = false;
    MILK_ASSIGN_OR_RETURN(
        NewSegment created,
        CreateSegment(
            dir, format::SegmentHeader{format::kFormatVersion, 0, 1, std::nullopt, std::nullopt},
            &renamed));
    recovered.segments.push_back(SegmentInfo{0, 1, created.path, 0, false});
    active_fd = created.fd;
    active_bytes = created.bytes;
  } else {
    const std::string& path = recovered.segments.back().path;
    MILK_ASSIGN_OR_RETURN(active_fd, segment::OpenFile(path, O_RDWR));
    active_bytes = recovered.valid_bytes;
    if (recovered.torn_bytes > 0) {
      Status cut = segment::TruncateAndSync(active_fd, path, active_bytes);
      if (!cut.ok()) {
        ::close(active_fd);
        return cut;
      }
    }
  }
  recovery->hard_state = recovered.model.hard_state();
  recovery->snapshot_mark = recovered.model.snapshot_mark();
  recovery->entries = recovered.model.TakeEntries();
  recovery->truncated_bytes = recovered.torn_bytes;
  return std::unique_ptr<Wal>(
      std::make_unique<WalImpl>(dir, options, std::exchange(lock_closer.fd, -1), active_fd,
                                active_bytes, std::move(recovered)));
}

}  // namespace milk::node::wal
