// libFuzzer target for the webhook ingest path: signature verification,
// payload mapping and the TicketEvent JSON round trip (fuzz_entry.h holds the
// body and the invariants; the corpus replay test runs the same code).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "zendesk/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string broken = tierd::zendesk::check_webhook_input(data, size);
  if (!broken.empty()) {
    std::fprintf(stderr, "webhook_fuzz: invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
