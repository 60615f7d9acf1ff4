#include "node/wal/wal_recovery.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "node/storage/segment_file.h"
#include "node/wal/wal_reader.h"

namespace milk::node::wal {

namespace {

namespace fs = std::filesystem;

// Segments of dir sorted by seq, which must be contiguous: a gap means a file was lost.
// Compaction deletes the oldest first, so the first seq present may be above 0.
Status ListSegments(const std::string& dir, Recovered* out) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), last; !ec && it != last; it.increment(ec)) {
    std::string name = it->path().filename().string();
    SegmentInfo info;
    std::string_view base = name;
    bool temp = base.size() > format::kTempSuffix.size() &&
                base.substr(base.size() - format::kTempSuffix.size()) == format::kTempSuffix;
    if (temp) base.remove_suffix(format::kTempSuffix.size());
    if (!format::ParseSegmentFileName(base, &info.seq, &info.first_index)) continue;
    info.path = dir + "/" + name;
    if (temp) {
      out->temp_files.push_back(info.path);
    } else {
      out->segments.push_back(std::move(info));
    }
  }
  if (ec) return IoError("list " + dir + ": " + ec.message());
  std::sort(out->segments.begin(), out->segments.end(),
            [](const SegmentInfo& a, const SegmentInfo& b) { return a.seq < b.seq; });
  for (size_t i = 1; i < out->segments.size(); ++i) {
    if (out->segments[i].seq != out->segments[i - 1].seq + 1) {
      return DataLoss(dir + ": the segment after " + out->segments[i - 1].path +
                      " is missing (next present: " + out->segments[i].path + ")");
    }
  }
  return Status::Ok();
}

// Checks that the record at offset belongs where it is, then applies it to the model.
Status VisitRecord(SegmentInfo* info, bool first, LogModel* model, uint64_t offset,
                   const format::Record& record) {
  const auto* header = std::get_if<format::SegmentHeader>(&record.body);
  if (offset == 0) {
    if (header == nullptr || (record.flags & format::kFlagWriteStart) == 0) {
      return DataLoss("segment does not start with a segment header");
    }
    if (header->seq != info->seq || header->first_index != info->first_index) {
      return DataLoss("segment header (seq " + std::to_string(header->seq) + ", first index " +
                      std::to_string(header->first_index) + ") does not match the file name");
    }
  } else if (header != nullptr) {
    return DataLoss("segment header inside a segment");
  }
  if (offset > 0 && (record.flags & format::kFlagWriteStart) != 0) info->has_writes = true;
  if (const auto* entry = std::get_if<WalEntry>(&record.body)) {
    info->max_entry_index = std::max(info->max_entry_index, entry->index);
  }
  std::string problem = model->Apply(record, first);
  if (!problem.empty()) return DataLoss(problem);
  return Status::Ok();
}

// Replays one segment into out->model. Only the last segment may end in a torn tail: every
// earlier one was fsynced before its successor was created.
Status RecoverSegment(size_t i, const WalOptions& options, Recovered* out) {
  SegmentInfo* info = &out->segments[i];
  bool first = i == 0;
  bool last = i + 1 == out->segments.size();
  MILK_ASSIGN_OR_RETURN(int fd, segment::OpenFile(info->path, O_RDONLY));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  MILK_ASSIGN_OR_RETURN(uint64_t file_bytes, segment::FileSize(fd, info->path));
  SegmentReader reader(fd, info->path, file_bytes, options.record_bytes_max);
  MILK_ASSIGN_OR_RETURN(SegmentScan scan,
                        ScanSegment(&reader, [&](uint64_t offset, const format::Record& record) {
                          return VisitRecord(info, first, &out->model, offset, record);
                        }));
  auto bad = [&](const std::string& what) {
    return DataLoss(info->path + " offset " + std::to_string(scan.valid_bytes) + ": " + what);
  };
  // A segment's header is fsynced before the file gets its name, so it is never torn.
  if (scan.valid_bytes == 0) {
    return bad(scan.problem.empty() ? "empty segment" : scan.problem + " in segment header");
  }
  if (!scan.problem.empty()) {
    if (!last) return bad(scan.problem + " (in a segment that is not the last)");
    MILK_ASSIGN_OR_RETURN(bool later_write, reader.WriteStartsAfter(scan.valid_bytes));
    if (later_write) return bad(scan.problem + " (an intact later write follows)");
    out->torn_bytes = file_bytes - scan.valid_bytes;
  }
  out->valid_bytes = scan.valid_bytes;
  return Status::Ok();
}

}  // namespace

Result<Recovered> Recover(const std::string& dir, const WalOptions& options) {
  Recovered out;
  MILK_RETURN_IF_ERROR(ListSegments(dir, &out));
  for (size_t i = 0; i < out.segments.size(); ++i) {
    MILK_RETURN_IF_ERROR(RecoverSegment(i, options, &out));
  }
  std::string problem = out.model.CheckComplete();
  if (!problem.empty()) return DataLoss(dir + ": " + problem);
  return out;
}

}  // namespace milk::node::wal
