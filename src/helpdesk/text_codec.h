// Encodings, digests and comparisons of text that the vendor adapters and
// the HTTP layer share: base64 (HTTP Basic credentials, signatures), cutting
// text to a byte budget without breaking UTF-8, the short digests that make
// dedupe keys for deliveries that carry no id of their own, and comparing a
// secret in constant time.
//
// Pure functions (OpenSSL); any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tierd {

std::string base64_encode(std::string_view bytes);
// Standard base64 (padding optional); nullopt on bad characters.
std::optional<std::string> base64_decode(std::string_view text);

// `s` without leading and trailing spaces, tabs, CRs and LFs.
std::string_view trim_space(std::string_view s);

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string_view text, size_t max_bytes);

// First `hex_chars` hex digits of sha256(bytes), lower-case.
std::string sha256_hex_prefix(std::string_view bytes, size_t hex_chars);

// Whether `given` equals `expected`, in a time that depends on neither's
// content nor on `given`'s length, so that timing an answer reveals nothing
// about a secret. An empty `expected` equals nothing.
bool secrets_equal(std::string_view given, std::string_view expected);

}  // namespace tierd
