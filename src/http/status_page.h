// The status page: an admin_status() answer (http/admin_status.h) as one
// self-contained HTML page (inline CSS; no scripts, no external resources,
// so it satisfies `default-src 'none'`). Ticket numbers link to the
// helpdesk's agent UI; users show by name with the id beside it, or by id
// when no name is known. Text is never cut: bars are sized in percent and
// their labels sit in their own table cell.
//
// Threads: any; pure.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tierd {

std::string render_status_page(const nlohmann::json& status);

// `s` with the five characters that matter in HTML text and attribute
// values escaped.
std::string html_escape(const std::string& s);

}  // namespace tierd
