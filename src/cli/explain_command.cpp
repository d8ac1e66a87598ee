// `tierd explain`: a ticket's timeline from the store the config names.
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/store_factory.h"
#include "config/config.h"
#include "reports/explain.h"

namespace tierd {

int run_explain(const std::string& config_path, TicketId ticket, bool json) {
  spdlog::set_level(spdlog::level::warn);  // the timeline is the output; keep routine logs out
  auto config = load_config_file(config_path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 2;
  }
  auto store = open_store_for_tool(*config, "explain", std::cerr);
  if (!store) return 1;
  return print_explanation(*store, ticket, json, std::cout, std::cerr);
}

}  // namespace tierd
