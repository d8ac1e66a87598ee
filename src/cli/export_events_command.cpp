// `tierd export-events`: the received webhooks of a time range, one per line.
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/store_factory.h"
#include "config/config.h"
#include "reports/export_events.h"
#include "store/private_files.h"

namespace tierd {

int run_export_events(const std::string& config_path, const std::string& since,
                      const std::string& from, const std::string& to, const std::string& out_path) {
  spdlog::set_level(spdlog::level::warn);
  Instant now = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  Instant range_from{};
  Instant range_to = now;
  if (!from.empty() || !to.empty()) {
    if (from.empty()) {
      std::cerr << "export-events: --to needs --from\n";
      return 2;
    }
    auto f = parse_instant(from);
    if (!f.ok()) {
      std::cerr << "export-events: --from: " << f.status().message() << "\n";
      return 2;
    }
    range_from = *f;
    if (!to.empty()) {
      auto t = parse_instant(to);
      if (!t.ok()) {
        std::cerr << "export-events: --to: " << t.status().message() << "\n";
        return 2;
      }
      range_to = *t;
    }
  } else {
    auto window = parse_duration(since.empty() ? "7d" : since);
    if (!window.ok()) {
      std::cerr << "export-events: --since: " << window.status().message() << "\n";
      return 2;
    }
    range_from = now - *window;
  }
  auto config = load_config_file(config_path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 2;
  }
  auto store = open_store_for_tool(*config, "export-events", std::cerr);
  if (!store) return 1;
  std::ofstream file;
  if (!out_path.empty()) {
    // Raw webhook bodies: readable by tierd's user only, like the store.
    if (Status s = make_private_file(out_path); !s.ok()) {
      std::cerr << "export-events: " << s.message() << "\n";
      return 1;
    }
    file.open(out_path, std::ios::out | std::ios::trunc);
    if (!file) {
      std::cerr << "export-events: cannot write " << out_path << "\n";
      return 1;
    }
  }
  std::ostream& out = out_path.empty() ? std::cout : file;
  auto count = export_inbox(*store, range_from, range_to, out);
  if (!count.ok()) {
    std::cerr << "export-events: " << count.status().to_string() << "\n";
    return 1;
  }
  std::cerr << "exported " << count->written << " events received " << format_instant(range_from)
            << " .. " << format_instant(range_to);
  if (count->without_body > 0)
    std::cerr << "; " << count->without_body
              << " have no body (reconciler reads, and deliveries older than inbox.keep_raw)";
  if (count->unreadable > 0)
    std::cerr << "; " << count->unreadable << " stored bodies were not JSON";
  std::cerr << "\n";
  return 0;
}

}  // namespace tierd
