// Zendesk-shaped error answers shared by the simulator's route handlers.
//
// Pure helpers; thread-safe.
#pragma once

#include <string>

#include "core/status.h"
#include "sim/zendesk/sim_service.h"

namespace tierd::sim {

inline SimResponse error_response(int status, const std::string& error,
                                  const std::string& description) {
  return json_response(status, {{"error", error}, {"description", description}});
}

// Maps a write's Status to Zendesk's answer: 404 RecordNotFound, 409
// UpdateConflict, 422 RecordInvalid with the field in `details`.
inline SimResponse status_response(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return error_response(404, "RecordNotFound", "Not found");
    case StatusCode::kConflict:
      return error_response(409, "UpdateConflict", s.message());
    case StatusCode::kInvalidArgument: {
      const std::string& m = s.message();
      auto colon = m.find(": ");
      std::string field = colon == std::string::npos ? "base" : m.substr(0, colon);
      return json_response(
          422, {{"error", "RecordInvalid"},
                {"description", "Record validation errors"},
                {"details", {{field, {{{"description", m}, {"error", "InvalidValue"}}}}}}});
    }
    default:
      return error_response(500, "InternalError", s.message());
  }
}

}  // namespace tierd::sim
