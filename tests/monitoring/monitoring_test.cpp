// The shipped Prometheus alert rules and Grafana dashboard (monitoring/):
// promtool accepts the rules, and every series they and the dashboard query
// is one a running tierd exports.
#include <httplib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "support/live_stack.h"
#include "support/process_harness.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kRules = std::string(TIERD_SOURCE_DIR) + "/monitoring/tierd-alerts.yml";
const std::string kDashboard = std::string(TIERD_SOURCE_DIR) + "/monitoring/tierd-dashboard.json";

// The PromQL of each rule: the text after "expr:", or the indented block
// under "expr: |".
std::vector<std::string> rule_expressions(const std::string& yaml) {
  std::vector<std::string> out;
  std::istringstream in(yaml);
  std::string line;
  const std::regex expr_line(R"(^(\s*)expr:\s*(.*)$)");
  bool in_block = false;
  size_t block_indent = 0;
  while (std::getline(in, line)) {
    if (in_block) {
      size_t indent = line.find_first_not_of(' ');
      if (indent != std::string::npos && indent > block_indent) {
        out.back() += " " + line.substr(indent);
        continue;
      }
      in_block = false;
    }
    std::smatch m;
    if (!std::regex_match(line, m, expr_line)) continue;
    if (m[2] == "|" || m[2] == ">") {
      in_block = true;
      block_indent = static_cast<size_t>(m[1].length());
      out.emplace_back();
    } else {
      out.push_back(m[2]);
    }
  }
  return out;
}

// Every "expr" and variable query anywhere in the dashboard.
void dashboard_expressions(const json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if ((key == "expr" || key == "definition") && value.is_string()) out.push_back(value);
      dashboard_expressions(value, out);
    }
  } else if (node.is_array()) {
    for (const auto& item : node) dashboard_expressions(item, out);
  }
}

std::set<std::string> series_names(const std::vector<std::string>& expressions) {
  std::set<std::string> names;
  const std::regex name(R"(\b((?:tierd|process)_[a-z0-9_]+)\b)");
  for (const auto& e : expressions) {
    for (std::sregex_iterator it(e.begin(), e.end(), name), end; it != end; ++it) {
      names.insert((*it)[1]);
    }
  }
  return names;
}

bool exported(const std::string& exposition, const std::string& name) {
  return exposition.find("# TYPE " + name + " ") != std::string::npos ||
         exposition.find("\n" + name + "{") != std::string::npos ||
         exposition.find("\n" + name + " ") != std::string::npos;
}

}  // namespace

TEST_CASE("promtool accepts the shipped alert rules", "[monitoring]") {
  TempDir dir;
  // promtool comes with Debian's prometheus package (scripts/debian-packages.txt).
  Subprocess promtool({"/usr/bin/env", "promtool", "check", "rules", kRules}, {},
                      dir.file("promtool.log"));
  auto status = promtool.wait(30s);
  REQUIRE(status);
  INFO(promtool.log());
  CHECK(*status == 0);
  CHECK(promtool.log().find("SUCCESS") != std::string::npos);
}

TEST_CASE("every series the alerts and the dashboard query is in a running tierd's /metrics",
          "[integration][monitoring]") {
  const std::vector<std::string> rules = rule_expressions(read_file(kRules));
  REQUIRE(rules.size() >= 10);
  std::vector<std::string> panels;
  dashboard_expressions(json::parse(read_file(kDashboard)), panels);
  REQUIRE(panels.size() >= 20);

  LiveStack stack;
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id = stack.create_ticket(
      {{"subject", "for the dashboard"}, {"group_id", 114001}, {"status", "open"}});
  REQUIRE(LiveStack::eventually([&] { return stack.group_of(id) == 114002; }, 15s));
  httplib::Client client("127.0.0.1", stack.tierd_port());
  auto res = client.Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->status == 200);

  for (const auto& [source, expressions] :
       {std::pair{"alert rules", rules}, std::pair{"dashboard", panels}}) {
    const std::set<std::string> names = series_names(expressions);
    CHECK(names.size() >= 10);
    for (const auto& name : names) {
      INFO(source << " query " << name);
      CHECK(exported(res->body, name));
    }
  }
}
