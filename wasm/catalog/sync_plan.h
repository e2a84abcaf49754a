#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keyaos::catalog {

// Per-provider sync bookkeeping, kept in the meta table as `sync:<provider>`.
// It is also the cursor that spreads the providers over cron invocations.
struct SyncState {
  int64_t at = 0;       // last attempt, ms since the epoch; 0 = never
  bool ok = false;      // the last attempt fetched, parsed and wrote the list
  int64_t models = 0;   // models in the last good list
  int64_t bytes = 0;    // size of the last list fetched: what parsing it costs
  int64_t pending = 0;  // changed rows left for the next run (row budget)
  std::string list_key;  // list_key() of the last list fully written: an identical list is not parsed again
  std::string error;    // why the last attempt failed; empty when ok
  std::string note;     // e.g. why deactivation was refused
};

// Reads a stored state; false (and `out` untouched) when it is not one.
bool parse_sync_state(std::string_view json, SyncState& out);
std::string sync_state_json(const SyncState& state);

// What one invocation may spend. A free-plan cron invocation gets 10 ms CPU,
// 50 subrequests and 50 D1 queries. In wasm (bench/wasm-sync.js) a changed
// 1 MB list costs about 3 ms to hash and parse, plus about 4 µs per model
// listed (parsed, priced, compared) and 10 µs per row upserted (its SQL,
// carried to the host and back): the row budget keeps a changed run near
// 5 ms, and the rows left over are written by the next runs.
struct SyncBudget {
  int64_t lists = 3;      // lists fetched: at most 6 D1 statements each, besides upserts
  int64_t models = 1000;  // models parsed (expected, from the last sync)
  int64_t rows = 120;     // rows upserted (3 statements of 40)
  int64_t balances = 5;   // auto-quota balances refreshed
};

struct SyncCandidate {
  std::string provider_id;
  int64_t last_at = 0;         // the state's `at`; 0 = never synced
  int64_t expected_models = 0;  // the last list's size, or an estimate
  bool pending = false;        // rows were left over last time: due at once
  bool reference = false;      // its fresh list prices the others (OpenRouter)
};

// Picks the candidates to sync in this run, as indexes into `candidates`:
// those not synced for `min_interval_ms` (or with rows pending), most
// overdue first (the reference first among equals), while the budget lasts.
// The most overdue one always runs, so a list larger than the budget is
// still synced on its own. The reference provider, when picked, comes first
// so the others are priced from its fresh list.
std::vector<size_t> pick_sync_batch(const std::vector<SyncCandidate>& candidates, const SyncBudget& budget,
                                    int64_t now_ms, int64_t min_interval_ms);

}  // namespace keyaos::catalog
