#include "serve/metrics.h"

#include <cmath>
#include <cstdio>

namespace guardian::serve {

namespace {

const std::vector<double> kLatencyBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
const std::vector<double> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

}  // namespace

std::string prometheus_number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

std::string prometheus_label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : labels + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const double le = i < bounds_.size() ? bounds_[i] : INFINITY;
    out += name + "_bucket{" + sep + "le=\"" + prometheus_number(le) + "\"} " + std::to_string(cumulative) + "\n";
  }
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + braces + " " + prometheus_number(sum_) + "\n";
  out += name + "_count" + braces + " " + std::to_string(count_) + "\n";
}

Metrics::Metrics() : batch_sizes_(kBatchBounds) {}

void Metrics::request(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  auto it = latency_.find(route);
  if (it == latency_.end()) it = latency_.emplace(route, Histogram(kLatencyBounds)).first;
  it->second.observe(seconds);
}

void Metrics::batch(size_t texts) {
  std::lock_guard lock(mutex_);
  batch_sizes_.observe(static_cast<double>(texts));
}

void Metrics::flagged(const std::string& category) {
  std::lock_guard lock(mutex_);
  ++flags_[category];
}

void Metrics::inputs(size_t texts) {
  std::lock_guard lock(mutex_);
  inputs_ += texts;
}

void Metrics::reload(bool ok) {
  std::lock_guard lock(mutex_);
  ++(ok ? reloads_ok_ : reloads_failed_);
}

void Metrics::gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

void Metrics::set_info(std::string labels) {
  std::lock_guard lock(mutex_);
  info_labels_ = std::move(labels);
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP guardian_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE guardian_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "guardian_http_requests_total{route=\"" + prometheus_label(key.first) + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP guardian_http_errors_total HTTP requests answered with a 4xx or 5xx status, by route and status.\n";
  out += "# TYPE guardian_http_errors_total counter\n";
  for (const auto& [key, n] : requests_) {
    if (key.second < 400) continue;
    out += "guardian_http_errors_total{route=\"" + prometheus_label(key.first) + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP guardian_http_request_duration_seconds Time from request to response, by route.\n";
  out += "# TYPE guardian_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    histogram.render(out, "guardian_http_request_duration_seconds", "route=\"" + prometheus_label(route) + "\"");
  }
  out += "# HELP guardian_batch_size Texts per forward pass.\n# TYPE guardian_batch_size histogram\n";
  batch_sizes_.render(out, "guardian_batch_size", "");
  out += "# HELP guardian_inputs_total Texts scored.\n# TYPE guardian_inputs_total counter\n";
  out += "guardian_inputs_total " + std::to_string(inputs_) + "\n";
  out += "# HELP guardian_flags_total Texts flagged, by the category that decided.\n# TYPE guardian_flags_total counter\n";
  for (const auto& [category, n] : flags_) {
    out += "guardian_flags_total{category=\"" + prometheus_label(category) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP guardian_reloads_total Model and policy reloads, by result.\n# TYPE guardian_reloads_total counter\n";
  out += "guardian_reloads_total{result=\"ok\"} " + std::to_string(reloads_ok_) + "\n";
  out += "guardian_reloads_total{result=\"failed\"} " + std::to_string(reloads_failed_) + "\n";
  for (const auto& g : gauges_) {
    out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n";
    out += g.name + " " + prometheus_number(g.read()) + "\n";
  }
  if (!info_labels_.empty()) {
    out += "# HELP guardian_model_info The model being served.\n# TYPE guardian_model_info gauge\n";
    out += "guardian_model_info{" + info_labels_ + "} 1\n";
  }
  return out;
}

}  // namespace guardian::serve
