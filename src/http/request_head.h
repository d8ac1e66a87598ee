// RequestHead: what the listener needs to know about a request before a
// worker takes it — whether its head has arrived whole, whether it stays
// within the header limits, and how much body follows.
//
// The HTTP library reads headers without a limit on their total size or
// number, so the listener reads each request head itself, into a buffer
// capped at max_bytes, and hands a request to a worker only once its head
// (and a body of known length) is there. scan_request_head() is the pure
// part of that: it looks at the bytes buffered so far and never blocks.
// Threads: any; no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tierd {

struct HeadLimits {
  size_t max_bytes = 32 * 1024;  // request line, header lines and the blank line
  size_t max_fields = 100;       // header lines
};

enum class HeadState {
  kIncomplete,  // no blank line yet, and still within the limits
  kComplete,    // head_bytes hold the whole head
  kTooLarge,    // over max_bytes or max_fields: answer 431
};

struct RequestHead {
  HeadState state = HeadState::kIncomplete;
  size_t head_bytes = 0;                   // set when complete, the blank line included
  std::optional<uint64_t> content_length;  // a well-formed Content-Length
  bool chunked = false;                    // Transfer-Encoding names chunked
  bool expects_continue = false;           // Expect: 100-continue
};

// Scans `buffered`, the bytes received on a connection since its last
// request ended. Only a head ending in CRLF CRLF is complete (the HTTP
// library does not accept bare LF line ends either).
RequestHead scan_request_head(std::string_view buffered, const HeadLimits& limits);

}  // namespace tierd
