#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "gw/platform/mapped_file.h"

namespace gw::platform {

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    std::string why = path + ": " + std::strerror(e);
    return e == ENOENT ? NotFound(why)
                       : MakeError(e == EACCES ? Code::kPermissionDenied : Code::kUnavailable, why);
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

void MappedFile::DropPages(std::string_view range) {
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(range.data());
  const uintptr_t first = (begin + page - 1) / page * page;
  const uintptr_t last = (begin + range.size()) / page * page;
  if (range.empty() || last <= first) return;
  // A private read-only mapping of a file: dropped pages read back from the file, unchanged.
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a page-aligned address inside the mapping
  ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

MappedFile::~MappedFile() { ::munmap(data_, size_); }

}  // namespace gw::platform
