// Prometheus text exposition format 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/
#include <cmath>
#include <cstdio>

#include "gw/telemetry/metrics.h"

namespace gw::telemetry {
namespace {

void AppendEscaped(std::string& out, const std::string& value) {
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void AppendNumber(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  out += buf;
}

void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, const char* extra_name = nullptr,
                  const std::string& extra_value = {}) {
  if (names.empty() && !extra_name) return;
  out += '{';
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (i) out += ',';
    out += names[i];
    out += "=\"";
    AppendEscaped(out, values[i]);
    out += '"';
  }
  if (extra_name) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void AppendHeader(std::string& out, const std::string& name, const std::string& help,
                  const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string Registry::EncodePrometheus() const {
  MutexLock lock(mu_);
  std::string out;
  for (const auto& family : counters_) {
    AppendHeader(out, family->name(), family->help(), "counter");
    family->ForEach([&](const std::vector<std::string>& values, const Counter& c) {
      out += family->name();
      AppendLabels(out, family->labels(), values);
      out += ' ' + std::to_string(c.value()) + '\n';
    });
  }
  for (const auto& family : gauges_) {
    AppendHeader(out, family->name(), family->help(), "gauge");
    family->ForEach([&](const std::vector<std::string>& values, const Gauge& g) {
      out += family->name();
      AppendLabels(out, family->labels(), values);
      out += ' ' + std::to_string(g.value()) + '\n';
    });
  }
  for (const auto& f : functions_) {
    AppendHeader(out, f.name, f.help, f.type == MetricType::kCounter ? "counter" : "gauge");
    out += f.name + ' ';
    AppendNumber(out, f.read());
    out += '\n';
  }
  for (const auto& family : histograms_) {
    AppendHeader(out, family->name(), family->help(), "histogram");
    family->ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
      std::vector<uint64_t> counts = h.bucket_counts();
      uint64_t cumulative = 0;
      for (size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        std::string le;
        if (i < h.bounds().size()) {
          AppendNumber(le, h.bounds()[i]);
        } else {
          le = "+Inf";
        }
        out += family->name() + "_bucket";
        AppendLabels(out, family->labels(), values, "le", le);
        out += ' ' + std::to_string(cumulative) + '\n';
      }
      out += family->name() + "_sum";
      AppendLabels(out, family->labels(), values);
      out += ' ';
      AppendNumber(out, h.sum());
      out += '\n' + family->name() + "_count";
      AppendLabels(out, family->labels(), values);
      out += ' ' + std::to_string(h.count()) + '\n';
    });
  }
  return out;
}

}  // namespace gw::telemetry
