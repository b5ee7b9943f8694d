#include "gw/transport/http/event_stream.h"

#include <charconv>

namespace gw::transport {

EventStream::EventStream(uint64_t number, size_t max_retained)
    : number_(number), max_retained_(max_retained) {}

void EventStream::Push(std::string data, bool final) {
  std::function<void()> waker;
  {
    MutexLock lock(mu_);
    if (finished_) return;
    if (!data.empty()) {
      events_.push_back({next_seq_++, std::move(data)});
      // Bounded memory: the oldest events are forgotten first; a client resuming from
      // before them gets what is left (documented in docs/transports.md).
      if (events_.size() > max_retained_) {
        events_.erase(events_.begin(), events_.begin() + (events_.size() - max_retained_));
      }
    }
    if (final) finished_ = true;
    waker = waker_;
  }
  if (waker) waker();
}

std::vector<StreamEvent> EventStream::Since(uint64_t after, bool* finished) const {
  MutexLock lock(mu_);
  std::vector<StreamEvent> out;
  for (const StreamEvent& e : events_) {
    if (e.seq > after) out.push_back(e);
  }
  if (finished) *finished = finished_;
  return out;
}

bool EventStream::finished() const {
  MutexLock lock(mu_);
  return finished_;
}

size_t EventStream::size() const {
  MutexLock lock(mu_);
  return events_.size();
}

void EventStream::Interrupt() {
  std::function<void()> waker;
  {
    MutexLock lock(mu_);
    interrupted_ = true;
    waker = waker_;
  }
  if (waker) waker();
}

bool EventStream::ConsumeInterrupt() {
  MutexLock lock(mu_);
  bool was = interrupted_;
  interrupted_ = false;
  return was;
}

bool EventStream::interrupted() const {
  MutexLock lock(mu_);
  return interrupted_;
}

uint64_t EventStream::Attach(std::function<void()> waker) {
  std::function<void()> previous;
  uint64_t ticket;
  {
    MutexLock lock(mu_);
    ticket = next_ticket_++;
    owner_ = ticket;
    previous = std::move(waker_);
    waker_ = std::move(waker);
  }
  if (previous) previous();  // the replaced writer wakes up, sees it lost, and leaves
  return ticket;
}

bool EventStream::Owns(uint64_t ticket) const {
  MutexLock lock(mu_);
  return owner_ == ticket;
}

void EventStream::Detach(uint64_t ticket) {
  MutexLock lock(mu_);
  if (owner_ != ticket) return;
  owner_ = 0;
  waker_ = nullptr;
}

void EventStream::MarkDelivered(uint64_t seq) {
  MutexLock lock(mu_);
  if (seq > delivered_) delivered_ = seq;
}

uint64_t EventStream::delivered() const {
  MutexLock lock(mu_);
  return delivered_;
}

std::string EventStream::EventId(uint64_t seq) const {
  return std::to_string(number_) + "-" + std::to_string(seq);
}

bool EventStream::ParseEventId(std::string_view id, uint64_t* number, uint64_t* seq) {
  size_t dash = id.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == id.size()) return false;
  auto [p1, e1] = std::from_chars(id.data(), id.data() + dash, *number);
  auto [p2, e2] = std::from_chars(id.data() + dash + 1, id.data() + id.size(), *seq);
  return e1 == std::errc() && p1 == id.data() + dash && e2 == std::errc() &&
         p2 == id.data() + id.size();
}

}  // namespace gw::transport
