#include "reports/report_csv.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

namespace tierd {
namespace {

using nlohmann::json;

// Dotted column -> value, in the order the JSON object lists its members.
void flatten(const json& value, const std::string& prefix,
             std::vector<std::pair<std::string, const json*>>& out) {
  if (!value.is_object()) {
    out.emplace_back(prefix, &value);
    return;
  }
  for (const auto& [key, member] : value.items()) {
    flatten(member, prefix.empty() ? key : prefix + "." + key, out);
  }
}

std::string cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();  // numbers as JSON writes them; arrays (none today) as JSON text
}

std::string quoted(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    line += quoted(fields[i]);
  }
  return line + "\r\n";
}

// The rows of one table: the summary's one row, or one per array element.
std::vector<json> table_rows(const json& report, std::string_view table) {
  if (table != "summary") return report.at(std::string(table)).get<std::vector<json>>();
  json row = json::object();
  for (const auto& [key, value] : report.items()) {
    if (!value.is_array() && key != "benchmark") row[key] = value;
  }
  return {row};
}

}  // namespace

const std::vector<std::string>& report_csv_tables() {
  static const std::vector<std::string> tables = {"tiers", "routes", "agents", "reviewers",
                                                  "summary"};
  return tables;
}

Result<std::string> to_csv(const TierReport& report, std::string_view table) {
  const auto& tables = report_csv_tables();
  if (std::find(tables.begin(), tables.end(), table) == tables.end()) {
    std::string choices;
    for (const auto& t : tables) choices += (choices.empty() ? "" : ", ") + t;
    return Status::InvalidArgument("no table \"" + std::string(table) + "\"; one of " + choices);
  }
  const json j = to_json(report);
  // The columns: those of a row of a report that has one of everything, so
  // that an empty table still names them.
  TierReport sample;
  sample.tiers.resize(1);
  sample.routes.resize(1);
  sample.agents.resize(1);
  sample.reviewers.resize(1);
  std::vector<std::pair<std::string, const json*>> columns;
  const json shape = table_rows(to_json(sample), table).front();
  flatten(shape, "", columns);
  std::vector<std::string> header;
  for (const auto& c : columns) header.push_back(c.first);
  // JSON members come sorted by name; the row's name or id leads the row.
  std::stable_partition(header.begin(), header.end(), [](const std::string& column) {
    return column == "name" || column == "id";
  });

  std::vector<std::vector<std::string>> lines;
  for (const auto& row : table_rows(j, table)) {
    std::vector<std::pair<std::string, const json*>> values;
    flatten(row, "", values);
    std::map<std::string, const json*> by_name(values.begin(), values.end());
    std::vector<std::string> fields;
    for (const auto& name : header) {
      auto it = by_name.find(name);
      fields.push_back(it == by_name.end() ? "" : cell(*it->second));
    }
    lines.push_back(std::move(fields));
  }
  std::string out = csv_line(header);
  for (const auto& fields : lines) out += csv_line(fields);
  return out;
}

}  // namespace tierd
