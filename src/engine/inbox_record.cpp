#include "engine/inbox_record.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace tierd {

InboxRecord inbox_record(const TicketEvent& event, Instant received_at, std::string raw_body) {
  InboxRecord record;
  record.event_id = event.event_id;
  record.ticket_id = event.ticket_id;
  record.received_at = received_at;
  record.event_time = event.time;
  record.type = event.type;
  record.event_json = to_json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  record.raw_body = std::move(raw_body);
  return record;
}

}  // namespace tierd
