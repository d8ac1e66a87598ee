// libFuzzer target for the Freshdesk webhook ingest path: secret checking,
// payload mapping and the TicketEvent JSON round trip (freshdesk/fuzz_entry.h
// holds the body and the invariants; the corpus replay test runs the same
// code).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "freshdesk/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string broken = tierd::freshdesk::check_webhook_input(data, size);
  if (!broken.empty()) {
    std::fprintf(stderr, "freshdesk_webhook_fuzz: invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
