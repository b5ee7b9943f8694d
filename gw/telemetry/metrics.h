// A small metrics registry (counters, gauges, histograms with labels) and its Prometheus
// text exposition (prometheus_text.h). No sockets: the server exposes it on /metrics.
//
// Ownership: the Registry owns every family and metric; references returned by Family::With
// stay valid for the registry's lifetime, so hot paths look a metric up once and keep it.
// Thread-safety: all methods are thread-safe. Updates are lock-free atomics; With() takes
// the family's lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gw/base/mutex.h"

namespace gw::telemetry {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Cumulative histogram over fixed upper bounds (seconds, bytes, ...).
class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double value);
  // Per-bucket counts (not cumulative), the last one for +Inf.
  std::vector<uint64_t> bucket_counts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;
  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};  // sum in millionths, so it can be atomic
};

enum class MetricType { kCounter, kGauge, kHistogram };

// One metric name with a fixed list of label names; one child per label-value tuple.
template <class T>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        labels_(std::move(labels)),
        bounds_(std::move(bounds)) {}

  // The child for `values` (one per label name), created on first use.
  T& With(const std::vector<std::string>& values) {
    MutexLock lock(mu_);
    auto it = children_.find(values);
    if (it == children_.end()) it = children_.emplace(values, MakeChild()).first;
    return *it->second;
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labels() const { return labels_; }
  // Calls `visit(label_values, metric)` for each child, in label order.
  template <class F>
  void ForEach(F&& visit) const {
    MutexLock lock(mu_);
    for (const auto& [values, child] : children_) visit(values, *child);
  }

 private:
  std::unique_ptr<T> MakeChild() {
    if constexpr (std::is_same_v<T, Histogram>) {
      return std::make_unique<T>(&bounds_);
    } else {
      return std::make_unique<T>();
    }
  }

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> labels_;
  const std::vector<double> bounds_;
  mutable Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_ GW_GUARDED_BY(mu_);
};

// A gauge or counter whose value is read when the registry is encoded (process memory,
// queue depth, a process-wide count kept elsewhere).
struct MetricFunction {
  std::string name;
  std::string help;
  MetricType type;
  std::function<double()> read;
};

class Registry {
 public:
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> labels = {});
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> labels, std::vector<double> bounds);
  void AddGaugeFunction(std::string name, std::string help, std::function<double()> read);
  // `read` must never decrease.
  void AddCounterFunction(std::string name, std::string help, std::function<double()> read);

  // Prometheus text exposition format 0.0.4 of every metric, in registration order.
  std::string EncodePrometheus() const;

 private:
  mutable Mutex mu_;
  std::vector<std::unique_ptr<Family<Counter>>> counters_ GW_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Family<Gauge>>> gauges_ GW_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Family<Histogram>>> histograms_ GW_GUARDED_BY(mu_);
  std::vector<MetricFunction> functions_ GW_GUARDED_BY(mu_);
};

// Latency buckets in seconds from 50 us to 10 s, for request durations.
std::vector<double> LatencyBuckets();

}  // namespace gw::telemetry
