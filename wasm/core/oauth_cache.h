#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <functional>
#include <memory>
#include <utility>
#include <string_view>

#include "protocols/common/upstream_error.h"

namespace keyaos {

// A credential as its protocol's adapter opened it (the refresh token, the
// cached access token, a project or profile). The cache holds it without
// knowing what it is; only the adapter of that kind reads it.
struct OAuthState {
  virtual ~OAuthState() = default;
  virtual const void* kind() const = 0;  // one address per kind (OAuthStateOf)
};

template <class Value>
struct OAuthStateOf final : OAuthState {
  explicit OAuthStateOf(Value v) : value(std::move(v)) {}
  static const void* tag() {
    static const char kTag = 0;
    return &kTag;
  }
  const void* kind() const override { return tag(); }
  Value value;
};

// Opened OAuth credentials of this isolate, by credential id. Kept so warm
// requests neither decrypt nor refresh.
struct OAuthEntry {
  std::unique_ptr<OAuthState> state;  // empty until opened
  // Signatures an upstream attached to the function calls it made through
  // this account (Gemini's thought signatures), by tool call id, handed back
  // when a client replays those calls (bounded by the adapter).
  std::map<std::string, std::string, std::less<>> call_signatures;

  template <class Value>
  void open(Value value) {
    state = std::make_unique<OAuthStateOf<Value>>(std::move(value));
  }
  // The opened Value when an adapter of that kind opened it, else nullptr.
  template <class Value>
  const Value* opened() const {
    return state && state->kind() == OAuthStateOf<Value>::tag() ? &static_cast<const OAuthStateOf<Value>*>(state.get())->value : nullptr;
  }
  // The same for a mutable entry: the entry owns the state, so its value may change.
  template <class Value>
  Value* opened() {
    return const_cast<Value*>(std::as_const(*this).opened<Value>());
  }
  // Ciphertexts known to hold this state or an older one: the one opened and
  // every one sealed since. A ciphertext outside the list was written
  // elsewhere (another isolate, an edit) and must be opened again.
  std::vector<std::string> ciphertexts;
  // The ciphertext D1 holds as far as this isolate knows: the compare-and-swap
  // base of the next write-back.
  std::string stored_ciphertext;
  // A sealed state whose write-back failed (D1 error): kept here, and written
  // again before the credential's next use, so a rotated token reaches D1.
  std::string unsaved_ciphertext;
  std::string unsaved_state;
  bool write_in_flight = false;
  // A token refresh or project discovery is in flight since (-1: none).
  int64_t setup_started_ms = -1;
  uint64_t setup_owner = 0;
  // The last setup failed: requests that waited for it report this error
  // instead of all trying again.
  int64_t setup_failed_ms = -1;
  UpstreamError setup_error;
};

class OAuthCache {
 public:
  // The state read from `ciphertext` or newer; nullptr when it must be opened.
  OAuthEntry* find(const std::string& credential_id, const std::string& ciphertext);
  // The state of a credential, whichever ciphertext it came from.
  OAuthEntry* get(const std::string& credential_id) {
    auto it = entries_.find(credential_id);
    return it == entries_.end() ? nullptr : &it->second;
  }
  // Replaces the state with one just opened from `ciphertext`, keeping any
  // setup in flight (its owner will still finish it).
  OAuthEntry& store_opened(const std::string& credential_id, const std::string& ciphertext);
  // Records that the state was sealed again as `ciphertext`.
  void add_sealed(const std::string& credential_id, const std::string& ciphertext);
  void forget(const std::string& credential_id) { entries_.erase(credential_id); }

  // Single flight: one request per credential refreshes, the others wait.
  // `owner` identifies the claimant; a claim older than `stale_after_ms`
  // (its request died) may be taken over. True when the caller now owns it.
  bool try_begin_setup(const std::string& credential_id, uint64_t owner, int64_t now_ms, int64_t stale_after_ms);
  // Releases the claim if `owner` holds it.
  void end_setup(const std::string& credential_id, uint64_t owner);
  bool setup_in_flight(const std::string& credential_id, int64_t now_ms, int64_t stale_after_ms) const;
  // A request is refreshing or writing back this credential, or its state
  // has not reached D1 yet: it must not be dropped.
  bool busy(const std::string& credential_id) const {
    auto it = entries_.find(credential_id);
    return it != entries_.end() &&
           (it->second.setup_started_ms >= 0 || it->second.write_in_flight || !it->second.unsaved_ciphertext.empty());
  }

  uint64_t next_owner() { return ++owners_; }
  size_t size() const { return entries_.size(); }

 private:
  static constexpr size_t kMaxCiphertexts = 4;
  static constexpr size_t kMaxEntries = 4096;
  std::map<std::string, OAuthEntry> entries_;
  uint64_t owners_ = 0;
};

}  // namespace keyaos
