// must(): unwraps a Result or checks a Status inside a Catch2 test, failing
// the test with the error's message when it is not OK.
#pragma once

#include <catch2/catch.hpp>

#include "core/status.h"

namespace tierd::testing {

template <typename T>
T must(Result<T> r) {
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  return std::move(r).value();
}

inline void must(const Status& s) {
  INFO(s.to_string());
  REQUIRE(s.ok());
}

}  // namespace tierd::testing
