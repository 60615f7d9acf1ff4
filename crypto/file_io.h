// Private to milk_crypto: small-file helpers shared by key_files.cc and cryptogen.cc.
// Defined in key_files.cc, which owns milk_crypto's file I/O. Not thread-safe against other
// writers of the same paths (nothing here locks files).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace milk::crypto::internal {

// Creates every missing directory on the way to dir with `mode` (less the umask); existing
// directories are left as they are. kFailedPrecondition if a component exists and is not a
// directory.
Status MakeDirs(const std::string& dir, mode_t mode);

// Creates path exclusively with `mode` (less the umask) from the first byte on, writes contents,
// fsyncs the file and its directory. Missing parent directories are created with parent_mode.
// kAlreadyExists if path exists; on any later failure the partial file is removed.
Status WriteNewFile(const std::string& path, std::string_view contents, mode_t mode,
                    mode_t parent_mode);

// Replaces path atomically (temporary file, fsync, rename, fsync directory): a reader sees the
// old or the new contents, never a mix. The file gets exactly `mode`. Missing parent directories
// are created with parent_mode.
Status ReplaceFile(const std::string& path, std::string_view contents, mode_t mode,
                   mode_t parent_mode);

// Reads a whole regular file of at most bytes_max bytes, and its permission bits (from the
// same open file, so there is no window between the check and the read).
// kNotFound if missing, kPermissionDenied if we may not read it, kDataLoss if larger than
// bytes_max, kFailedPrecondition if not a regular file.
struct FileContents {
  std::string bytes;
  mode_t mode = 0;  // st_mode & 07777
};
Result<FileContents> ReadSmallFile(const std::string& path, size_t bytes_max);

// True if something (file, directory, link) exists at path.
bool PathExists(const std::string& path);

}  // namespace milk::crypto::internal
