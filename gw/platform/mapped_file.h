// MappedFile: a read-only view of a whole file, memory-mapped where the OS can (model weights
// are read in place, shared by every session and paged in on first touch).
// Ownership: the mapping lives as long as the object. Thread-safety: bytes() may be read
// from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "gw/base/result.h"

namespace gw::platform {

class MappedFile {
 public:
  // kNotFound when the file does not exist; kInvalidArgument for a directory or empty file.
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }
  const std::string& path() const { return path_; }
  // Hints that `range` (inside bytes()) will not be read again: its whole pages are dropped
  // from memory (read again from the file if touched after all).
  void DropPages(std::string_view range);

 private:
  MappedFile(std::string path, void* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  void* data_;
  size_t size_;
};

}  // namespace gw::platform
