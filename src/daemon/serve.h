// run_serve(): `tierd serve --config FILE`, the daemon itself.
//
// Reads and checks the config, opens the store, builds the policy, starts the
// engine, the outbox sender, the inbox writer and the HTTP listener, then
// waits for signals: SIGHUP reloads the config (an invalid one is refused and
// the old one kept), SIGTERM/SIGINT stop accepting and shut down in order —
// listener, inbox writer (drains commits), engine (finishes its batch), sender
// (finishes the write in flight) — so nothing is left half done.
//
// Signals are blocked in every thread and taken synchronously by the calling
// thread with sigwait(), so no signal handler does any work.
#pragma once

#include <iosfwd>
#include <string>

namespace tierd {

// Returns the process exit code: 0 after a clean shutdown, 2 for a bad config
// or missing secret, 1 when the store or the listener cannot be opened.
int run_serve(const std::string& config_path);

}  // namespace tierd
