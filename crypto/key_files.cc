#include "crypto/key_files.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "crypto/bytes.h"
#include "crypto/file_io.h"

namespace milk::crypto {
namespace internal {
namespace {

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string ParentOf(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError(Errno("open directory", dir));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return IoError(Errno("fsync directory", dir));
  return Status::Ok();
}

Status WriteAllAndSync(int fd, std::string_view contents, const std::string& path) {
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(Errno("write", path));
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return IoError(Errno("fsync", path));
  return Status::Ok();
}

}  // namespace

Status MakeDirs(const std::string& dir, mode_t mode) {
  std::filesystem::path so_far;
  for (const auto& part : std::filesystem::path(dir)) {
    so_far /= part;
    const std::string p = so_far.string();
    if (::mkdir(p.c_str(), mode) == 0) continue;
    if (errno != EEXIST) return IoError(Errno("create directory", p));
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return IoError(Errno("stat", p));
    if (!S_ISDIR(st.st_mode)) return FailedPrecondition(p + " exists and is not a directory");
  }
  return Status::Ok();
}

Status WriteNewFile(const std::string& path, std::string_view contents, mode_t mode,
                    mode_t parent_mode) {
  const std::string parent = ParentOf(path);
  MILK_RETURN_IF_ERROR(MakeDirs(parent, parent_mode));
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0 && errno == EEXIST) return AlreadyExists(path + " already exists; not overwriting it");
  if (fd < 0) return IoError(Errno("create", path));
  Status status = WriteAllAndSync(fd, contents, path);
  if (::close(fd) != 0 && status.ok()) status = IoError(Errno("close", path));
  if (status.ok()) status = FsyncDir(parent);
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

Status ReplaceFile(const std::string& path, std::string_view contents, mode_t mode,
                   mode_t parent_mode) {
  const std::string parent = ParentOf(path);
  MILK_RETURN_IF_ERROR(MakeDirs(parent, parent_mode));
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return IoError(Errno("create temporary file for", path));
  Status status = Status::Ok();
  if (::fchmod(fd, mode) != 0) status = IoError(Errno("chmod", tmp));
  if (status.ok()) status = WriteAllAndSync(fd, contents, tmp);
  if (::close(fd) != 0 && status.ok()) status = IoError(Errno("close", tmp));
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = IoError(Errno("rename into place", path));
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return FsyncDir(parent);
}

Result<FileContents> ReadSmallFile(const std::string& path, size_t bytes_max) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return NotFound(path + " does not exist");
  if (fd < 0 && errno == EACCES) return PermissionDenied(Errno("cannot read", path));
  if (fd < 0) return IoError(Errno("open", path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = IoError(Errno("stat", path));
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return FailedPrecondition(path + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > bytes_max) {
    ::close(fd);
    return DataLoss(path + " is " + std::to_string(st.st_size) + " bytes, more than the " +
                    std::to_string(bytes_max) + " a file of this kind can be");
  }
  FileContents out;
  out.mode = st.st_mode & 07777;
  out.bytes.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.bytes.size()) {
    ssize_t n = ::read(fd, out.bytes.data() + done, out.bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // error, or the file shrank under us: caught just below
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done != out.bytes.size()) return IoError("short read of " + path);
  return out;
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace internal

namespace {

// A v1 certificate is about 150 bytes (300 as hex); 16 KiB fits any of our text files with room
// to spare, while refusing to read a wrong, huge file into memory.
constexpr size_t kKeyFileBytesMax = 16 * 1024;

constexpr mode_t kSecretFileMode = 0600;
constexpr mode_t kSecretDirMode = 0700;
constexpr mode_t kPublicFileMode = 0644;
constexpr mode_t kPublicDirMode = 0755;

constexpr std::string_view kSecretKeyFormat = "milk-ed25519-secret-key";
constexpr std::string_view kPublicKeyFormat = "milk-ed25519-public-key";
constexpr std::string_view kCertificateFormat = "milk-certificate";
constexpr std::string_view kFormatVersion = "v1";

std::string Encode(std::string_view format, std::string_view payload) {
  return std::string(format) + " " + std::string(kFormatVersion) + "\n" + ToHex(payload) + "\n";
}

// Decodes "<format> v1\n<hex>\n" (the final newline may be missing). kDataLoss otherwise.
Result<std::string> Decode(const std::string& path, std::string_view format,
                           std::string_view text) {
  size_t newline = text.find('\n');
  std::string_view header = text.substr(0, newline);
  std::string_view expected_prefix = text.substr(0, format.size() + 1);
  if (header != std::string(format) + " " + std::string(kFormatVersion)) {
    if (expected_prefix == std::string(format) + " ") {
      return DataLoss(path + ": unsupported format version \"" +
                      std::string(header.substr(format.size() + 1)) + "\" (this build reads v1)");
    }
    return DataLoss(path + ": not a " + std::string(format) + " file (first line must be \"" +
                    std::string(format) + " v1\")");
  }
  if (newline == std::string_view::npos) return DataLoss(path + ": missing the hex line");
  std::string_view hex = text.substr(newline + 1);
  if (!hex.empty() && hex.back() == '\n') hex.remove_suffix(1);
  std::optional<std::string> bytes = FromHex(hex);
  if (!bytes || bytes->empty()) return DataLoss(path + ": second line is not valid hex");
  return std::move(*bytes);
}

Result<std::string> ReadDecoded(const std::string& path, std::string_view format) {
  MILK_ASSIGN_OR_RETURN(internal::FileContents file,
                        internal::ReadSmallFile(path, kKeyFileBytesMax));
  return Decode(path, format, file.bytes);
}

}  // namespace

Status WriteSecretKeyFile(const std::string& path, const KeyPair& key) {
  if (key.secret_key.size() != kSecretKeyBytes || key.public_key.size() != kPublicKeyBytes) {
    return InvalidArgument("refusing to write " + path + ": key pair has the wrong sizes");
  }
  std::string_view seed = std::string_view(key.secret_key).substr(0, kSeedBytes);
  if (KeyPairFromSeed(seed).public_key != key.public_key ||
      std::string_view(key.secret_key).substr(kSeedBytes) != key.public_key) {
    return InvalidArgument("refusing to write " + path + ": public key does not match secret key");
  }
  std::string text = Encode(kSecretKeyFormat, seed);
  Status status = internal::WriteNewFile(path, text, kSecretFileMode, kSecretDirMode);
  sodium_memzero(text.data(), text.size());
  return status;
}

Result<KeyPair> ReadSecretKeyFile(const std::string& path) {
  MILK_ASSIGN_OR_RETURN(internal::FileContents file,
                        internal::ReadSmallFile(path, kKeyFileBytesMax));
  if ((file.mode & 077) != 0) {
    sodium_memzero(file.bytes.data(), file.bytes.size());
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(file.mode));
    return PermissionDenied("secret key file " + path + " has mode " + mode +
                            ": group or others may access it; fix with: chmod 600 " + path);
  }
  Result<std::string> seed = Decode(path, kSecretKeyFormat, file.bytes);
  sodium_memzero(file.bytes.data(), file.bytes.size());
  if (!seed.ok()) return seed.status();
  if (seed->size() != kSeedBytes) {
    return DataLoss(path + ": seed is " + std::to_string(seed->size()) + " bytes, expected 32");
  }
  KeyPair key = KeyPairFromSeed(*seed);
  sodium_memzero(seed->data(), seed->size());
  return key;
}

Status WritePublicKeyFile(const std::string& path, std::string_view public_key) {
  if (public_key.size() != kPublicKeyBytes) {
    return InvalidArgument("refusing to write " + path + ": public key is " +
                           std::to_string(public_key.size()) + " bytes, expected 32");
  }
  return internal::ReplaceFile(path, Encode(kPublicKeyFormat, public_key), kPublicFileMode,
                               kPublicDirMode);
}

Result<std::string> ReadPublicKeyFile(const std::string& path) {
  MILK_ASSIGN_OR_RETURN(std::string key, ReadDecoded(path, kPublicKeyFormat));
  if (key.size() != kPublicKeyBytes) {
    return DataLoss(path + ": public key is " + std::to_string(key.size()) + " bytes, expected 32");
  }
  return key;
}

Status WriteCertificateFile(const std::string& path, const milkpb::Certificate& cert) {
  if (cert.body().empty() || cert.signature().empty()) {
    return InvalidArgument("refusing to write " + path + ": certificate has no body or signature");
  }
  return internal::ReplaceFile(path, Encode(kCertificateFormat, cert.SerializeAsString()),
                               kPublicFileMode, kPublicDirMode);
}

Result<milkpb::Certificate> ReadCertificateFile(const std::string& path) {
  MILK_ASSIGN_OR_RETURN(std::string bytes, ReadDecoded(path, kCertificateFormat));
  milkpb::Certificate cert;
  if (!cert.ParseFromString(bytes)) return DataLoss(path + ": certificate does not parse");
  return cert;
}

}  // namespace milk::crypto
