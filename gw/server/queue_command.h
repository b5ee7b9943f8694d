// `edgegw queue ...`: inspect and repair the offline queue from the command line, also while
// the gateway runs (SQLite WAL lets both open the file).
//   ls [--state S] [--upstream U] [--limit N]   list requests
//   show ID                                      one request, whole (ID: task id or #seq)
//   retry ID                                     a dead letter goes back to the queue
//   purge [--state S] [--upstream U]             remove finished and dead requests
//   dead-letter                                  list the dead letters
//   corrupt                                      records found corrupt and set aside, with why
// Every command takes --json for one JSON document on stdout.
// Thread-safety: runs on the calling thread.
#pragma once

#include <string>

namespace gw::server {

struct QueueFlags {
  std::string command;   // ls, show, retry, purge, dead-letter
  std::string id;        // show, retry
  std::string state;     // filter
  std::string upstream;  // filter
  size_t limit = 100;
  bool json = false;
  std::string config_path;  // to find storage.data_dir / queue.file
  std::string file;         // the queue file itself (overrides the config)
};

// Exit code: 0 done, 1 failure (printed on stderr), 2 bad flags.
int RunQueueCommand(const QueueFlags& flags);

}  // namespace gw::server
