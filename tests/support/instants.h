// at("2026-04-28T06:35:00Z"): an instant written as tests read it. Fails the
// test with the parser's message when the text is not an instant.
#pragma once

#include "core/time.h"
#include "support/must.h"

namespace tierd::testing {

inline Instant at(const char* iso) {
  return must(parse_instant(iso));
}

}  // namespace tierd::testing
