// The standard process metrics, under the names Prometheus' own client
// libraries export (prometheus-cpp has no process collector):
//
//   process_cpu_seconds_total       user + system CPU time
//   process_resident_memory_bytes   resident set size
//   process_virtual_memory_bytes    virtual memory size
//   process_start_time_seconds      start time, Unix seconds
//   process_open_fds                open file descriptors
//   process_max_fds                 the open file limit (RLIMIT_NOFILE)
//
// Read from /proc/self at each scrape; on a system without /proc they are
// simply left out. Stateless; any thread may call these functions.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

namespace tierd {

struct ProcessSample {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;
  double open_fds = 0;
  double max_fds = 0;
};

// What the kernel needs to turn /proc/self/stat into the sample's units.
struct ProcClock {
  double ticks_per_second = 100;  // sysconf(_SC_CLK_TCK)
  double page_bytes = 4096;       // sysconf(_SC_PAGESIZE)
  double boot_time_seconds = 0;   // "btime" in /proc/stat
};

// Fills the CPU, memory and start-time fields from the text of
// /proc/self/stat; nullopt when it is not in the kernel's format.
std::optional<ProcessSample> parse_proc_self_stat(std::string_view stat, const ProcClock& clock);

// This process, now; nullopt when /proc cannot be read.
std::optional<ProcessSample> read_process_sample();

// The sample as gauge and counter families, ready to serialise.
std::vector<prometheus::MetricFamily> process_families(const ProcessSample& sample);

}  // namespace tierd
