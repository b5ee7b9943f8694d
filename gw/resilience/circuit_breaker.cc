#include "gw/resilience/circuit_breaker.h"

#include <algorithm>

namespace gw::resilience {

std::string_view BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(const CircuitBreakerOptions& options, const Clock& clock)
    : options_(options), clock_(clock) {
  outcomes_.reserve(std::max<size_t>(options_.window, 1));
}

void CircuitBreaker::RefreshLocked(Clock::TimePoint now) const {
  if (state_ == BreakerState::kOpen && now - opened_at_ >= options_.cool_down) {
    state_ = BreakerState::kHalfOpen;
    probes_left_ = std::max<size_t>(options_.half_open_probes, 1);
  }
}

void CircuitBreaker::OpenLocked(Clock::TimePoint now) {
  state_ = BreakerState::kOpen;
  opened_at_ = now;
  outcomes_.clear();
  next_ = 0;
  failures_ = 0;
  ++open_count_;
}

bool CircuitBreaker::Allow() {
  MutexLock lock(mu_);
  RefreshLocked(clock_.Now());
  switch (state_) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
      return false;
    case BreakerState::kHalfOpen:
      if (probes_left_ == 0) return false;
      --probes_left_;
      return true;
  }
  return false;
}

void CircuitBreaker::RecordSuccess() {
  MutexLock lock(mu_);
  RefreshLocked(clock_.Now());
  if (state_ == BreakerState::kHalfOpen) {
    state_ = BreakerState::kClosed;
    outcomes_.clear();
    next_ = 0;
    failures_ = 0;
    return;
  }
  if (state_ != BreakerState::kClosed) return;  // a late answer from before it opened
  PushLocked(false);
}

void CircuitBreaker::PushLocked(bool failure) {
  size_t window = std::max<size_t>(options_.window, 1);
  if (outcomes_.size() < window) {
    outcomes_.push_back(failure);
  } else {
    if (outcomes_[next_]) --failures_;
    outcomes_[next_] = failure;
    next_ = (next_ + 1) % window;
  }
  if (failure) ++failures_;
}

void CircuitBreaker::RecordFailure() {
  MutexLock lock(mu_);
  Clock::TimePoint now = clock_.Now();
  RefreshLocked(now);
  if (state_ == BreakerState::kHalfOpen) return OpenLocked(now);
  if (state_ != BreakerState::kClosed) return;
  PushLocked(true);
  if (outcomes_.size() >= options_.min_calls &&
      static_cast<double>(failures_) >=
          options_.failure_ratio * static_cast<double>(outcomes_.size())) {
    OpenLocked(now);
  }
}

BreakerState CircuitBreaker::state() const {
  MutexLock lock(mu_);
  RefreshLocked(clock_.Now());
  return state_;
}

Clock::Duration CircuitBreaker::RetryIn() const {
  MutexLock lock(mu_);
  Clock::TimePoint now = clock_.Now();
  RefreshLocked(now);
  if (state_ != BreakerState::kOpen) return Clock::Duration::zero();
  return opened_at_ + options_.cool_down - now;
}

uint64_t CircuitBreaker::open_count() const {
  MutexLock lock(mu_);
  return open_count_;
}

}  // namespace gw::resilience
