// Instants and durations as tierd counts them.
//
// All instants are UTC with millisecond resolution. Nothing in src/core reads
// a clock: the current time is always passed in (`now`), so that every rule can
// be tested on a virtual clock. The daemon's wall clock lives in
// src/runtime/clock.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace tierd {

using Duration = std::chrono::milliseconds;
using Instant = std::chrono::time_point<std::chrono::system_clock, Duration>;

// Milliseconds since the Unix epoch, the form instants take in the store.
inline int64_t to_unix_ms(Instant t) { return t.time_since_epoch().count(); }
inline Instant from_unix_ms(int64_t ms) { return Instant(Duration(ms)); }

// Parses an ISO-8601 / RFC 3339 instant: "2025-03-10T09:22:41Z",
// "2025-03-10T09:22:41.123Z", "2025-03-10T10:22:41+01:00" (also "+0100" and
// "+01"), minutes without seconds ("2025-03-10T09:22Z", the start of that
// minute), a space instead of 'T', and a lower-case 'z'. Returns
// InvalidArgument naming the text otherwise.
Result<Instant> parse_instant(std::string_view text);

// "2025-03-10T09:22:41Z", or "2025-03-10T09:22:41.123Z" when there are
// milliseconds.
std::string format_instant(Instant t);

// Parses a config duration: a positive number followed by a unit, possibly
// repeated: "90s", "15m", "2h", "1d", "1h30m", "250ms". Zero ("0s") is allowed;
// negative numbers, missing units and unknown units are InvalidArgument.
Result<Duration> parse_duration(std::string_view text);

// Short human form for notes and logs: "15m", "1h 5m", "42s", "1d 2h", "250ms".
std::string format_duration(Duration d);

}  // namespace tierd
