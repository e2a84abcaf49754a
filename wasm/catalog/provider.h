#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/secret_format.h"

namespace keyaos::catalog {

// One upstream provider, as described by providers/<id>.json
// (documented field by field in providers/schema.json).

enum class Protocol { openai, google_v1internal, aws_eventstream };
enum class AuthKind { bearer, google_oauth, kiro_oauth };
enum class Currency { usd, cny };
enum class CostSource { usage_cost, usage_estimated_cost, tokens };
enum class ValidationMethod { get, chat };
// What a model is for: chat completions or embeddings. Routing never crosses them.
enum class ModelType { chat, embedding };

// The spellings used in the JSON files.
const char* protocol_name(Protocol protocol);
const char* auth_kind_name(AuthKind kind);
const char* currency_name(Currency currency);
const char* cost_source_name(CostSource source);
const char* validation_method_name(ValidationMethod method);
const char* model_type_name(ModelType type);  // "chat" | "embedding"


struct AuthDef {
  AuthKind kind = AuthKind::bearer;
  // OAuth kinds only: where a refresh token is exchanged for an access token,
  // and the public installed-app client, when the flow needs one.
  std::optional<std::string> token_url;
  std::optional<std::string> client_id;
  std::optional<std::string> client_secret;
};

struct CredentialGuide {
  std::string text;  // where to find the credential
  std::optional<std::string> url;
  std::string placeholder;
  std::optional<std::string> file_path;  // a local file holding the credential
  std::optional<std::string> command;    // a shell command printing it
};

struct ModelIdRules {
  bool strip_vendor_prefix = false;  // send "gpt-4o" for canonical "openai/gpt-4o"
  bool lowercase = false;            // canonical id = native id lower-cased
  // Prepended to a synced native id that has no vendor ("deepseek-chat" ->
  // "deepseek/deepseek-chat"). Always ends with '/'.
  std::optional<std::string> canonical_prefix;
};

// A model of the shipped snapshot (dynamic providers) or of the static list.
// Unknown prices are empty: the catalogue then uses the reference price.
struct ModelEntryDef {
  std::string id;                          // canonical "vendor/model"
  std::optional<std::string> upstream_id;  // when the upstream calls it otherwise
  std::string name;
  std::optional<double> input_price_per_m;  // USD per 1M tokens
  std::optional<double> output_price_per_m;
  std::optional<double> cache_read_price_per_m;
  std::optional<double> cache_write_price_per_m;
  int64_t context_length = 0;  // 0 when unknown
  std::vector<std::string> input_modalities;
  std::vector<std::string> output_modalities;
  ModelType type = ModelType::chat;  // "type": "embedding" in the file
};

struct ModelSyncDef {
  std::string path;    // appended to base_url
  std::string parser;  // openrouter | zenmux | deepinfra | openai_list | antigravity
  bool auth = false;   // the list needs a credential
};

struct ModelsDef {
  std::optional<ModelSyncDef> sync;  // empty when the list is static
  std::vector<ModelEntryDef> entries;
};

// How a provider serves embeddings (OpenAI's POST /embeddings) and how its
// model lists tell embedding models apart.
struct EmbeddingMarkDef {
  bool all = false;         // every model of the embeddings list is one
  std::string id_contains;  // the native id contains this ("embedding")
  std::string field;        // a member (dotted path) that is, or lists, one of `equals`
  std::vector<std::string> equals;
};

// A second list that names the embedding models (OpenRouter's
// /embeddings/models, Google's native /models).
struct EmbeddingListDef {
  std::string path;
  std::string parser;        // a model-list parser, as in ModelSyncDef
  bool auth = false;         // the list needs a credential
  bool from_origin = false;  // `path` replaces base_url's path instead of extending it
  std::optional<std::string> auth_header;  // the key's header, bare; default Authorization: Bearer
};

struct EmbeddingsDef {
  std::string path = "/embeddings";  // appended to base_url
  std::optional<EmbeddingListDef> list;  // none: the main list marks them
  EmbeddingMarkDef mark;
};

// The provider's own count of a request's input tokens, for the Anthropic
// count_tokens API (Google AI Studio's models/{model}:countTokens).
struct CountTokensDef {
  std::string path;          // appended to base_url (or its origin); "{model}" is the upstream model id
  bool from_origin = false;  // `path` replaces base_url's path instead of extending it
  std::optional<std::string> auth_header;  // the key's header, bare; default Authorization: Bearer
  std::string format;        // gemini: {"generateContentRequest":{…}} → {"totalTokens":N}
};

struct CreditsDef {
  std::string path;
  std::string parser;  // openrouter | deepseek
};

struct ValidationDef {
  ValidationMethod method = ValidationMethod::get;
  std::string path;   // method get: appended to base_url
  std::string model;  // method chat: upstream model id of a 1-token request
};

struct ProviderDef {
  std::string id;  // [a-z0-9-]+, the file name without .json
  std::string name;
  Protocol protocol = Protocol::openai;
  std::string base_url;  // no trailing '/', no credentials, no query
  AuthDef auth;
  std::vector<std::pair<std::string, std::string>> extra_headers;  // in file order
  bool subscription = false;  // flat fee: priced by reference (shadow) prices
  Currency currency = Currency::usd;
  CostSource cost_source = CostSource::tokens;
  std::optional<SecretFormat> secret_format;  // none: any key is stored as pasted
  CredentialGuide credential_guide;
  ModelIdRules model_id;
  ModelsDef models;
  std::optional<CreditsDef> credits;
  ValidationDef validation;
  std::optional<EmbeddingsDef> embeddings;  // none: chat only
  std::optional<CountTokensDef> count_tokens;  // none: count_tokens estimates
  // Its list prices are the reference: list costs in the ledger, and the
  // prices of models another provider lists without any. One built-in
  // provider has it (OpenRouter, the widest priced list).
  bool price_reference = false;
};

// True for a canonical model id: lower-case "vendor/model", as OpenRouter
// names models ("openai/gpt-4o", "openai/gpt-4o:extended").
bool is_canonical_model_id(std::string_view id);

// Parses and validates one definition. On failure returns false and sets
// `error` to "<field path>: <problem>", e.g. `protocol: "grpc" is not one of
// openai, google-v1internal, aws-eventstream`.
bool parse_provider(std::string_view json, ProviderDef& out, std::string& error);

// The snapshot entry with this canonical id, or nullptr.
const ModelEntryDef* find_entry(const ProviderDef& def, std::string_view canonical_id);

// The model id to send upstream for a canonical id. The catalogue's own
// upstream id wins when non-empty; then the definition's entry; then the
// canonical id, without its vendor when strip_vendor_prefix is set.
std::string to_upstream_model_id(const ProviderDef& def, std::string_view canonical_id,
                                 const std::string& upstream_id_from_catalogue);

// The canonical id of a model id the upstream lists. A snapshot entry whose
// upstream_id is exactly `native_id` names it; otherwise the id is
// lower-cased (lowercase) and given canonical_prefix when it has no vendor.
std::string canonical_model_id(const ProviderDef& def, std::string_view native_id);

}  // namespace keyaos::catalog
