#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gw/platform/mapped_file.h"

namespace gw::platform {

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    std::string why = path + ": " + std::strerror(e);
    return e == ENOENT ? NotFound(why) : MakeError(e == EACCES ? Code::kPermissionDenied : Code::kUnavailable, why);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument(path + ": not a regular file");
  }
  if (st.st_size == 0) {
    ::close(fd);
    return InvalidArgument(path + ": the file is empty");
  }
  void* data = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  ::close(fd);
  if (data == MAP_FAILED) return Unavailable(path + ": cannot map the file: " + std::strerror(e));
  return std::unique_ptr<MappedFile>(new MappedFile(path, data, static_cast<size_t>(st.st_size)));
}

MappedFile::~MappedFile() { ::munmap(data_, size_); }

}  // namespace gw::platform
