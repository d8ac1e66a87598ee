#include "http/admin_api.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <sstream>
#include <system_error>

#include "core/ticket.h"
#include "helpdesk/text_codec.h"
#include "http/status_page.h"
#include "reports/explain.h"

namespace tierd {
namespace {

using nlohmann::json;

// True when the request carries the token, as a bearer token or as the
// password of HTTP Basic (what a browser sends after its prompt). The scheme
// name is case-insensitive (RFC 9110 11.1).
bool authorized(const httplib::Request& req, const std::string& token) {
  const std::string header = req.get_header_value("Authorization");
  const size_t space = header.find(' ');
  if (space == std::string::npos) return false;
  const std::string scheme = ascii_lower(std::string_view(header).substr(0, space));
  const std::string credentials = header.substr(header.find_first_not_of(' ', space));
  if (scheme == "bearer") return secrets_equal(credentials, token);
  if (scheme == "basic") {
    const auto pair = base64_decode(credentials);
    auto colon = pair ? pair->find(':') : std::string::npos;
    return colon != std::string::npos && secrets_equal(pair->substr(colon + 1), token);
  }
  return false;
}

void answer_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(2, ' ', false, json::error_handler_t::replace), "application/json");
}

// Runs `handler` only for an authorized request; the others get 401 (403
// when no token is configured) and a line in the log without the token.
httplib::Server::Handler guarded(const std::string& token,
                                 const httplib::Server::Handler& handler) {
  return [token, handler](const httplib::Request& req, httplib::Response& res) {
    // No answer here is meant to be sniffed into another type by a browser.
    res.set_header("X-Content-Type-Options", "nosniff");
    if (token.empty()) {
      answer_json(res, 403,
                  {{"error",
                    "the admin API is disabled: set the environment variable named by "
                    "admin.token_env (TIERD_ADMIN_TOKEN by default) and restart tierd"}});
      return;
    }
    if (!authorized(req, token)) {
      spdlog::warn("admin: refused {} {} from {} (missing or wrong token)", req.method, req.path,
                   req.remote_addr);
      res.set_header("WWW-Authenticate", "Basic realm=\"tierd admin\", charset=\"UTF-8\"");
      answer_json(res, 401, {{"error", "admin token required (Authorization: Bearer TOKEN)"}});
      return;
    }
    handler(req, res);
  };
}

}  // namespace

void register_admin_routes(httplib::Server& server, Store& store, const PolicySource& policy,
                           const Clock& clock, const AdminApiOptions& options,
                           const DaemonViewSource& daemon, const SeenUsers& seen) {
  const std::string token = options.token;
  server.Get(
      R"(/api/v1/tickets/(\d{1,19}))",
      guarded(token, [&store](const httplib::Request& req, httplib::Response& res) {
        const std::string digits = req.matches[1].str();
        TicketId id = 0;
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
        if (error != std::errc() || end != digits.data() + digits.size()) {
          answer_json(res, 404, {{"error", "tierd has no record of ticket " + digits}});
          return;
        }
        std::ostringstream out, err;
        int rc = print_explanation(store, id, true, out, err);
        if (rc == 0) {
          res.set_content(out.str(), "application/json");
        } else if (rc == 3) {
          answer_json(res, 404, {{"error", "tierd has no record of ticket " + std::to_string(id)}});
        } else {
          answer_json(res, 503, {{"error", err.str()}});
        }
      }));
  // The status, with the users it shows handed on for their names.
  const auto status_now = [&store, policy, &clock, options, daemon,
                           seen]() -> Result<nlohmann::json> {
    const DaemonView view = daemon ? daemon() : DaemonView{};
    auto status = admin_status(store, *policy(), clock.now(), options.status, view);
    if (!status.ok()) return status.status();
    if (seen) seen(status->users);
    return std::move(status->doc);
  };
  server.Get("/api/v1/status",
             guarded(token, [status_now](const httplib::Request&, httplib::Response& res) {
               auto status = status_now();
               if (!status.ok()) {
                 answer_json(res, 503, {{"error", status.status().to_string()}});
                 return;
               }
               answer_json(res, 200, *status);
             }));
  server.Get("/", guarded(token, [status_now](const httplib::Request&, httplib::Response& res) {
               auto status = status_now();
               if (!status.ok()) {
                 res.status = 503;
                 res.set_content("tierd cannot read its store: " + status.status().to_string(),
                                 "text/plain");
                 return;
               }
               res.set_header("Content-Security-Policy",
                              "default-src 'none'; style-src 'unsafe-inline'");
               res.set_header("Cache-Control", "no-store");
               res.set_content(render_status_page(*status), "text/html; charset=utf-8");
             }));
}

}  // namespace tierd
