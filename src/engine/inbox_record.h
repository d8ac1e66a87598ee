// The inbox record of a ticket event: how a webhook delivery (WebhookHandler)
// and an exported ticket (Reconciler) alike become a row of the store's inbox.
// Pure.
#pragma once

#include <string>

#include "core/ticket_event.h"
#include "core/time.h"
#include "store/store.h"

namespace tierd {

// `raw_body` is what arrived, kept for export and replay ("" when the event
// was not delivered as a body of its own: the event_json holds all of it).
InboxRecord inbox_record(const TicketEvent& event, Instant received_at, std::string raw_body);

}  // namespace tierd
