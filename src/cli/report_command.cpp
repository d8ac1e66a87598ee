// `tierd report`: tier, agent and reviewer analytics from the audit log.
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "cli/store_factory.h"
#include "config/config.h"
#include "config/policy_builder.h"
#include "reports/report.h"
#include "reports/report_csv.h"
#include "reports/report_window.h"
#include "store/user_names.h"

namespace tierd {

int run_report(const ReportArgs& args) {
  spdlog::set_level(spdlog::level::warn);  // the report is the output; keep routine logs out
  auto config = load_config_file(args.config);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 2;
  }
  Instant now = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  const std::string& zone = config->report.timezone;
  auto since = parse_report_bound(args.since, zone, now);
  if (!since.ok()) {
    std::cerr << "report: --since: " << since.status().message() << "\n";
    return 2;
  }
  Instant until = now;
  if (!args.until.empty()) {
    auto bound = parse_report_bound(args.until, zone, now);
    if (!bound.ok()) {
      std::cerr << "report: --until: " << bound.status().message() << "\n";
      return 2;
    }
    until = *bound;
  }
  if (until < *since) {
    std::cerr << "report: --until lies before --since\n";
    return 2;
  }
  const auto& tables = report_csv_tables();
  if (args.csv && std::find(tables.begin(), tables.end(), args.table) == tables.end()) {
    std::cerr << "report: --table: " << to_csv(TierReport{}, args.table).status().message()
              << "\n";
    return 2;
  }
  auto policy = build_policy(*config);
  if (!policy.ok()) {
    std::cerr << "report: " << policy.status().message() << "\n";
    return 2;
  }
  auto store = open_store_for_tool(*config, "report", std::cerr);
  if (!store) return 1;
  ReportOptions options;
  options.misroute_window = config->report.misroute_window;
  auto report = build_report(*store, **policy, *since, until, options);
  if (!report.ok()) {
    std::cerr << "report: " << report.status().to_string() << "\n";
    return 1;
  }
  // Names as the daemon last read them from the helpdesk; ids without one.
  auto names = read_user_names(*store);
  if (names.ok()) {
    attach_names(*report, names_of(*names));
  } else {
    spdlog::warn("report: agents show by id: {}", names.status().to_string());
  }
  if (args.csv) {
    std::cout << *to_csv(*report, args.table);
  } else if (args.json) {
    std::cout << to_json(*report).dump(2) << "\n";
  } else {
    print_report(*report, std::cout);
  }
  return 0;
}

}  // namespace tierd
