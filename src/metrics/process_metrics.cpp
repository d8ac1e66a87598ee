#include "metrics/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tierd {
namespace {

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<double> boot_time_seconds() {
  std::istringstream stat(read_all("/proc/stat"));
  for (std::string line; std::getline(stat, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

double count_open_fds() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n;  // includes the descriptor the listing itself holds, as other clients do
}

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return {name, help, type, {metric}};
}

}  // namespace

std::optional<ProcessSample> parse_proc_self_stat(std::string_view stat, const ProcClock& clock) {
  // Field 2, the command name, is in parentheses and may hold spaces or
  // parentheses itself; the fields after the last ')' are plain numbers.
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::istringstream fields{std::string(stat.substr(close + 1))};
  // After the name: field 3 (state) onwards. We need 14 utime, 15 stime,
  // 22 starttime, 23 vsize, 24 rss.
  std::string field;
  double utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
  for (int number = 3; number <= 24; ++number) {
    if (!(fields >> field)) return std::nullopt;
    try {
      switch (number) {
        case 14:
          utime = std::stod(field);
          break;
        case 15:
          stime = std::stod(field);
          break;
        case 22:
          start = std::stod(field);
          break;
        case 23:
          vsize = std::stod(field);
          break;
        case 24:
          rss = std::stod(field);
          break;
        default:
          break;
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  ProcessSample s;
  s.cpu_seconds = (utime + stime) / clock.ticks_per_second;
  s.start_time_seconds = clock.boot_time_seconds + start / clock.ticks_per_second;
  s.virtual_bytes = vsize;
  s.resident_bytes = rss * clock.page_bytes;
  return s;
}

std::optional<ProcessSample> read_process_sample() {
  auto boot = boot_time_seconds();
  if (!boot) return std::nullopt;
  ProcClock clock;
  clock.ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  clock.page_bytes = static_cast<double>(sysconf(_SC_PAGESIZE));
  clock.boot_time_seconds = *boot;
  auto sample = parse_proc_self_stat(read_all("/proc/self/stat"), clock);
  if (!sample) return std::nullopt;
  sample->open_fds = count_open_fds();
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) sample->max_fds = static_cast<double>(limit.rlim_cur);
  return sample;
}

std::vector<prometheus::MetricFamily> process_families(const ProcessSample& s) {
  using prometheus::MetricType;
  return {
      family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
             MetricType::Counter, s.cpu_seconds),
      family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
             s.resident_bytes),
      family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
             s.virtual_bytes),
      family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
             MetricType::Gauge, s.start_time_seconds),
      family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, s.open_fds),
      family("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
             s.max_fds),
  };
}

}  // namespace tierd
