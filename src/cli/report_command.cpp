// `tierd report`: tier, agent and reviewer analytics from the audit log.
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "cli/store_factory.h"
#include "config/config.h"
#include "config/policy_builder.h"
#include "reports/report.h"

namespace tierd {

int run_report(const std::string& config_path, const std::string& since, bool json_out) {
  spdlog::set_level(spdlog::level::warn);  // the report is the output; keep routine logs out
  auto window = parse_duration(since);
  if (!window.ok()) {
    std::cerr << "report: --since: " << window.status().message() << "\n";
    return 2;
  }
  auto config = load_config_file(config_path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 2;
  }
  auto policy = build_policy(*config);
  if (!policy.ok()) {
    std::cerr << "report: " << policy.status().message() << "\n";
    return 2;
  }
  auto store = open_store_for_tool(*config, "report", std::cerr);
  if (!store) return 1;
  Instant now = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  auto report = build_report(*store, **policy, now - *window, now);
  if (!report.ok()) {
    std::cerr << "report: " << report.status().to_string() << "\n";
    return 1;
  }
  if (json_out) {
    std::cout << to_json(*report).dump(2) << "\n";
  } else {
    print_report(*report, std::cout);
  }
  return 0;
}

}  // namespace tierd
