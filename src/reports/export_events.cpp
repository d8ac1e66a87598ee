#include "reports/export_events.h"

#include <fstream>
#include <iostream>
#include <unordered_set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "zendesk/webhook_payload.h"

namespace tierd {

namespace {

// Why a well-formed delivery gives no event, in the words of the events file.
std::string ignored_reason(const ParsedDelivery& parsed) {
  const std::string& type = parsed.type;
  if (type.empty()) return "no \"type\": not a Zendesk webhook body";
  constexpr std::string_view kPrefix = "zen:event-type:";
  if (type.rfind(kPrefix, 0) != 0 && type != zendesk::kTriggerSource) {
    return "type \"" + truncate_utf8(type, 60) +
           "\" is not a Zendesk event type (those start with \"zen:event-type:\", e.g. "
           "\"zen:event-type:ticket.created\")";
  }
  return "type \"" + truncate_utf8(type, 60) + "\": " + parsed.reason +
         ", which tierd does not act on";
}

}  // namespace

std::string describe(const SkippedLine& skipped) {
  return "line " + std::to_string(skipped.line) + ": " + skipped.reason;
}

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
      out.skipped.push_back({number, parsed.status().message()});
      continue;
    }
    if (parsed->outcome != DeliveryOutcome::kTicketEvent || !parsed->event) {
      out.skipped.push_back({number, ignored_reason(*parsed)});
      continue;
    }
    if (!parsed->event->has_snapshot) {
      out.skipped.push_back(
          {number, "ticket " + std::to_string(parsed->event->ticket_id) +
                       ": no \"detail\" object, so the ticket's group, status and tags are "
                       "unknown; a replay needs the webhook body as Zendesk sends it"});
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

}  // namespace tierd
