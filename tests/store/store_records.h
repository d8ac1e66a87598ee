// Records the store tests write when only their keys matter.
#pragma once

#include <string>

#include "store/store.h"

namespace tierd::testing {

// An inbox delivery of `event_id` for `ticket`, received at 1000 ms.
inline InboxRecord inbox_record(const std::string& event_id, TicketId ticket) {
  InboxRecord r;
  r.event_id = event_id;
  r.ticket_id = ticket;
  r.received_at = from_unix_ms(1000);
  r.event_time = from_unix_ms(900);
  r.type = "zen:event-type:ticket.created";
  r.event_json = "{}";
  r.raw_body = "{}";
  return r;
}

}  // namespace tierd::testing
