// run_backup(): `tierd backup --config FILE --out FILE` — a consistent copy
// of the SQLite store, taken while tierd runs (SQLite's online backup: the
// copy is one committed state, never a half-written one). PostgreSQL stores
// are backed up with PostgreSQL's own tools (pg_dump), so the command says
// so instead of copying.
#pragma once

#include <iosfwd>
#include <string>

namespace tierd {

// Returns 0 after writing the copy to `out_path`; 2 for a bad config or a
// PostgreSQL store; 1 when the copy fails (the message names the file).
int run_backup(const std::string& config_path, const std::string& out_path, std::ostream& out,
               std::ostream& err);

}  // namespace tierd
