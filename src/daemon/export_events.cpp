#include "daemon/export_events.h"

#include <fstream>
#include <iostream>
#include <unordered_set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "daemon/config.h"
#include "daemon/store_factory.h"
#include "vendor/zendesk/webhook_payload.h"

namespace tierd {

EventLines read_event_lines(std::istream& in) {
  EventLines out;
  std::string line;
  size_t number = 0;
  Instant last_time{};
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++out.lines;
    zendesk::DeliveryMeta meta;
    meta.received_at = last_time;
    auto parsed = zendesk::parse_webhook_delivery(line, meta);
    if (!parsed.ok()) {
      out.problems.push_back("line " + std::to_string(number) + ": " + parsed.status().message());
      continue;
    }
    if (parsed->outcome != zendesk::DeliveryOutcome::kTicketEvent || !parsed->event) {
      ++out.ignored;
      continue;
    }
    last_time = parsed->event->time;
    out.events.push_back(std::move(*parsed->event));
  }
  return out;
}

Result<ExportCount> export_inbox(Store& store, Instant from, Instant to, std::ostream& out) {
  // inbox_range pages by arrival time; pages overlap by a few seconds (seq
  // order and receive times may disagree slightly) and seqs already written
  // are skipped.
  constexpr Duration kOverlap = std::chrono::seconds(5);
  size_t page = 5000;
  ExportCount count;
  std::unordered_set<int64_t> written;
  Instant cursor = from;
  while (true) {
    auto records = store.inbox_range(cursor, to, page);
    if (!records.ok()) return records.status();
    size_t fresh = 0;
    Instant last = cursor;
    for (const auto& r : *records) {
      last = std::max(last, r.received_at);
      if (!written.insert(r.seq).second) continue;
      ++fresh;
      if (r.raw_body.empty()) {
        ++count.without_body;
        continue;
      }
      auto body = nlohmann::json::parse(r.raw_body, nullptr, false);
      if (body.is_discarded()) {
        ++count.unreadable;
        continue;
      }
      out << body.dump() << "\n";
      ++count.written;
    }
    if (records->size() < page) break;
    if (fresh == 0) {
      page *= 2;  // more records share the overlap than a page holds
      continue;
    }
    cursor = std::max(cursor, last - kOverlap);
  }
  if (!out) return Status::Unavailable("export: writing the output failed");
  return count;
}

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
    std::cerr << "; " << count->without_body << " reconciler reads have no body";
  if (count->unreadable > 0)
    std::cerr << "; " << count->unreadable << " stored bodies were not JSON";
  std::cerr << "\n";
  return 0;
}

}  // namespace tierd
