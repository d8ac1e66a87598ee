// Freshdesk webhook authentication.
//
// Freshdesk does not sign webhooks: the "Trigger webhook" action of an
// automation rule can only send what the admin types into it. So the rule
// carries tierd's webhook secret, in either of two places:
//   - the custom header X-Tierd-Webhook-Secret: <secret>
//   - the action's "Requires authentication": Basic credentials whose
//     password, or whose username (the action's "API key" form), is the
//     secret
// A delivery is authentic when any credential it carries equals one of the
// configured secrets (two while a secret is rotated). Each comparison takes
// the same time whatever the text (helpdesk/text_codec.h secrets_equal), and
// every credential is compared with every secret, so timing reveals neither
// the secret nor which one matched. Only HTTPS keeps the secret secret in
// transit: the listener's TLS, or a TLS proxy in front of it.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tierd::freshdesk {

inline constexpr std::string_view kSecretHeader = "X-Tierd-Webhook-Secret";
inline constexpr std::string_view kAuthorizationHeader = "Authorization";

enum class SecretCheck {
  kValid,
  kMissing,    // neither the header nor Basic credentials
  kMalformed,  // an Authorization header that is not readable Basic credentials
  kMismatch,   // credentials present, none equal to a configured secret
};
const char* secret_check_name(SecretCheck c);

// `secret_header` and `authorization` are the two headers' values, "" when
// absent.
SecretCheck check_webhook_secret(const std::vector<std::string>& secrets,
                                 std::string_view secret_header, std::string_view authorization);

}  // namespace tierd::freshdesk
