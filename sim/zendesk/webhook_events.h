// Zendesk event-subscribed webhook payloads ("zen:event-type:ticket.*") built
// from what one ticket write changed: one event per changed aspect, sharing
// one meta.sequence id, with `detail` the ticket snapshot after the change
// (ids as strings, enums in the configured case).
//
// Pure functions; the random generator is passed in so ids are reproducible
// in tests. Callers serialise access to the generator.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/zendesk/sim_model.h"
#include "sim/zendesk/ticket_change.h"

namespace tierd::sim {

enum class EnumCase { kUpper, kLower, kTitle };
// "upper" | "lower" | "title"; nullopt otherwise.
std::optional<EnumCase> parse_enum_case(const std::string& text);
std::string apply_case(const std::string& lower, EnumCase c);

// How an empty id is written: null (as Zendesk's ticket event examples do)
// or "0" (as its user event examples do), so tests can drive tierd with both.
enum class EmptyId { kNull, kZero };

struct EventContext {
  int64_t account_id = 0;
  EnumCase enum_case = EnumCase::kUpper;
  Instant now;
  EmptyId empty_id = EmptyId::kNull;
};

// The `detail` object of a ticket event.
nlohmann::json webhook_detail(const SimTicket& t, int64_t actor_id, EnumCase c,
                              EmptyId empty_id = EmptyId::kNull);

// All events of one write, in sequence position order (position starts at 1).
std::vector<nlohmann::json> build_ticket_events(const SimState& state, const SimTicket& after,
                                                const TicketChanges& changes, int64_t actor_id,
                                                const EventContext& ctx, std::mt19937_64& rng);

std::string random_uuid(std::mt19937_64& rng);
// 32 upper-case hex digits, the shape of Zendesk's sequence ids.
std::string random_hex_id(std::mt19937_64& rng);

}  // namespace tierd::sim
