// Server metrics in Prometheus' text exposition format: requests and errors by route and status,
// request latency histograms by route, batch sizes, queue depth, flags per category, audit writes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace guardian::serve {

// A Prometheus label value: backslash, quote and newline escaped.
std::string prometheus_label(const std::string& value);
// A sample value: 9 significant digits, +Inf / -Inf.
std::string prometheus_number(double value);

// Cumulative buckets with a sum and a count, as Prometheus expects.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Appends `name_bucket{labels,le=..}`, `name_sum` and `name_count` lines.
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bound, not cumulative; last is +Inf
  double sum_ = 0.0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();
  // One answered HTTP request.
  void request(const std::string& route, int status, double seconds);
  void batch(size_t texts);
  void flagged(const std::string& category);
  void inputs(size_t texts);
  void reload(bool ok);
  // Gauges read when rendering (queue depth, audit backlog, ...).
  void gauge(std::string name, std::string help, std::function<double()> read);
  // Constant info series, e.g. guardian_model_info{model="..",kind=".."} 1.
  void set_info(std::string labels);

  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (route, status)
  std::map<std::string, Histogram> latency_;                 // by route
  Histogram batch_sizes_;
  std::map<std::string, uint64_t> flags_;
  uint64_t inputs_ = 0;
  uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
  std::string info_labels_;
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  std::vector<Gauge> gauges_;
};

}  // namespace guardian::serve
