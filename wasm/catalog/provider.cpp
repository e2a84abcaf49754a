#include "catalog/provider.h"

#include <algorithm>

#include "catalog/credits.h"
#include "catalog/json_fields.h"
#include "catalog/model_list.h"
#include "core/json_read.h"
#include "core/text.h"
#include "simdjson.h"

namespace keyaos::catalog {

const char* protocol_name(Protocol protocol) {
  switch (protocol) {
    case Protocol::openai: return "openai";
    case Protocol::google_v1internal: return "google-v1internal";
    case Protocol::aws_eventstream: return "aws-eventstream";
  }
  return "openai";
}

const char* auth_kind_name(AuthKind kind) {
  switch (kind) {
    case AuthKind::bearer: return "bearer";
    case AuthKind::google_oauth: return "google_oauth";
    case AuthKind::kiro_oauth: return "kiro_oauth";
  }
  return "bearer";
}

const char* currency_name(Currency currency) {
  return currency == Currency::cny ? "CNY" : "USD";
}

const char* cost_source_name(CostSource source) {
  switch (source) {
    case CostSource::usage_cost: return "usage.cost";
    case CostSource::usage_estimated_cost: return "usage.estimated_cost";
    case CostSource::tokens: return "tokens";
  }
  return "tokens";
}

const char* validation_method_name(ValidationMethod method) {
  return method == ValidationMethod::chat ? "chat" : "GET";
}

const char* model_type_name(ModelType type) { return type == ModelType::embedding ? "embedding" : "chat"; }

namespace {

namespace od = simdjson::ondemand;
using json::FieldStep;
using json::fail;
using json::join;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

bool valid_provider_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
}

}  // namespace

bool is_canonical_model_id(std::string_view id) {
  size_t slash = id.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= id.size()) return false;
  if (id.find('/', slash + 1) != std::string_view::npos) return false;
  std::string_view vendor = id.substr(0, slash);
  std::string_view model = id.substr(slash + 1);
  if (!is_lower_alnum(vendor.front()) || !is_lower_alnum(model.front())) return false;
  auto vendor_char = [](char c) { return is_lower_alnum(c) || c == '-' || c == '.' || c == '_'; };
  auto model_char = [&](char c) { return vendor_char(c) || c == ':'; };
  return std::all_of(vendor.begin(), vendor.end(), vendor_char) &&
         std::all_of(model.begin(), model.end(), model_char);
}

namespace {

bool has_control_or_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

enum class UrlUse { endpoint, link };

// Endpoints take no query: a credential in a URL would end up in logs.
bool check_url(std::string_view url, UrlUse use, std::string& why) {
  std::string_view rest;
  if (url.substr(0, 8) == "https://") {
    rest = url.substr(8);
  } else if (url.substr(0, 7) == "http://") {
    rest = url.substr(7);
  } else {
    why = "must start with https:// or http://";
    return false;
  }
  if (has_control_or_space(url) || url.find_first_of("\\\"<>") != std::string_view::npos) {
    why = "must not contain spaces, control characters or \\ \" < >";
    return false;
  }
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    why = "must not contain credentials (user:password@)";
    return false;
  }
  if (authority.empty() || authority.front() == ':' || authority.front() == '.') {
    why = "has no host";
    return false;
  }
  for (char c : authority) {
    if (!(is_alnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']')) {
      why = "has an invalid host";
      return false;
    }
  }
  if (use == UrlUse::endpoint) {
    if (url.find_first_of("?#") != std::string_view::npos) {
      why = "must not have a query or fragment (credentials belong in headers)";
      return false;
    }
    if (url.back() == '/') {
      why = "must not end with '/' (paths are appended to it)";
      return false;
    }
  }
  return true;
}

bool check_path(std::string_view path, std::string& why) {
  if (path.empty() || path.front() != '/') {
    why = "must start with '/'";
    return false;
  }
  if (path.size() > 1 && path[1] == '/') {
    why = "must not start with '//'";
    return false;
  }
  if (has_control_or_space(path) || path.find('#') != std::string_view::npos ||
      path.find("://") != std::string_view::npos) {
    why = "must be a plain path (no spaces, '#' or scheme)";
    return false;
  }
  return true;
}

bool is_token_char(char c) {
  return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

template <typename Enum, size_t N>
bool read_enum(od::value v, const std::string& path, const std::pair<const char*, Enum> (&options)[N],
               Enum& out, std::string& error) {
  std::string text;
  if (!json::read_string(v, path, text, error)) return false;
  std::string list;
  for (const auto& [name, value] : options) {
    if (text == name) {
      out = value;
      return true;
    }
    if (!list.empty()) list += ", ";
    list += name;
  }
  return fail(error, path, "\"" + text + "\" is not one of " + list);
}

bool read_choice(od::value v, const std::string& path, const std::vector<std::string_view>& options, std::string& out,
                 std::string& error) {
  if (!json::read_string(v, path, out, error)) return false;
  std::string list;
  for (std::string_view option : options) {
    if (out == option) return true;
    if (!list.empty()) list += ", ";
    list += option;
  }
  return fail(error, path, "\"" + out + "\" is not one of " + list);
}

// A key an object must have, and what the error says when it does not.
struct Required {
  const char* key;
  const char* why = "missing";
};

// Reads an object's fields with read(key, value, field_path), then fails on
// the first required key that was not among them.
template <class Read>
bool read_fields(od::value v, const std::string& path, std::string& error, std::initializer_list<Required> required, Read&& read) {
  std::vector<std::string> seen;
  bool ok = json::for_each_field(v, path, error, [&](const std::string& key, od::value field) {
    FieldStep step = read(key, field, join(path, key));
    if (step != FieldStep::unknown) seen.push_back(key);
    return step;
  });
  if (!ok) return false;
  for (const Required& r : required)
    if (std::find(seen.begin(), seen.end(), r.key) == seen.end()) return fail(error, join(path, r.key), r.why);
  return true;
}

// A section that may be null (out is then empty), else parsed by parse into a new value.
template <class T, class Parse>
bool read_nullable(od::value v, std::optional<T>& out, Parse&& parse) {
  if (json::is_null(v)) {
    out.reset();
    return true;
  }
  T value;
  if (!parse(value)) return false;
  out = std::move(value);
  return true;
}

// A section's `path` is relative to the provider's base URL.
bool valid_path(const std::string& value, const std::string& path, std::string& error) {
  std::string why;
  return check_path(value, why) || fail(error, join(path, "path"), why);
}

bool parse_auth(od::value v, const std::string& path, AuthDef& auth, std::string& error) {
  static constexpr std::pair<const char*, AuthKind> kKinds[] = {
      {"bearer", AuthKind::bearer},
      {"google_oauth", AuthKind::google_oauth},
      {"kiro_oauth", AuthKind::kiro_oauth},
  };
  bool ok = read_fields(v, path, error, {{"kind"}}, [&](const std::string& key, od::value field, const std::string& at) {
    if (key == "kind") return json::step(read_enum(field, at, kKinds, auth.kind, error));
    if (key == "token_url") return json::step(json::read_optional_string(field, at, auth.token_url, error));
    if (key == "client_id") return json::step(json::read_optional_string(field, at, auth.client_id, error));
    if (key == "client_secret") return json::step(json::read_optional_string(field, at, auth.client_secret, error));
    return FieldStep::unknown;
  });
  if (!ok) return false;
  if (auth.kind == AuthKind::bearer) {
    if (auth.token_url || auth.client_id || auth.client_secret) {
      return fail(error, path, "token_url, client_id and client_secret belong to oauth kinds only");
    }
    return true;
  }
  if (!auth.token_url) return fail(error, join(path, "token_url"), "missing (required for oauth kinds)");
  std::string why;
  if (!check_url(*auth.token_url, UrlUse::endpoint, why)) return fail(error, join(path, "token_url"), why);
  if (auth.client_secret && !auth.client_id) {
    return fail(error, join(path, "client_secret"), "given without client_id");
  }
  return true;
}

bool parse_headers(od::value v, const std::string& path, ProviderDef& def, std::string& error) {
  return json::for_each_field(v, path, error, [&](const std::string& key, od::value field) {
    std::string field_path = join(path, key);
    if (key.empty() || !std::all_of(key.begin(), key.end(), is_token_char)) {
      return json::step(fail(error, field_path, "is not a valid header name"));
    }
    std::string name = ascii_lower(key);
    if (name == "authorization" || name == "proxy-authorization" || name == "cookie") {
      return json::step(fail(error, field_path, "credentials never live in a provider definition"));
    }
    std::string value;
    if (!json::read_string(field, field_path, value, error)) return FieldStep::failed;
    for (char c : value) {
      unsigned char u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        return json::step(fail(error, field_path, "contains a control character"));
      }
    }
    def.extra_headers.emplace_back(key, std::move(value));
    return FieldStep::ok;
  });
}

bool parse_guide(od::value v, const std::string& path, CredentialGuide& guide, std::string& error) {
  bool ok = read_fields(v, path, error, {{"text"}, {"placeholder"}}, [&](const std::string& key, od::value field, const std::string& at) {
    if (key == "text") return json::step(json::read_nonempty_string(field, at, guide.text, error));
    if (key == "placeholder") return json::step(json::read_nonempty_string(field, at, guide.placeholder, error));
    if (key == "url") return json::step(json::read_optional_string(field, at, guide.url, error));
    if (key == "file_path") return json::step(json::read_optional_string(field, at, guide.file_path, error));
    if (key == "command") return json::step(json::read_optional_string(field, at, guide.command, error));
    return FieldStep::unknown;
  });
  if (!ok) return false;
  std::string why;
  if (guide.url && !check_url(*guide.url, UrlUse::link, why)) return fail(error, join(path, "url"), why);
  return true;
}

bool parse_model_id_rules(od::value v, const std::string& path, ModelIdRules& rules, std::string& error) {
  bool ok = json::for_each_field(v, path, error, [&](const std::string& key, od::value field) {
    std::string field_path = join(path, key);
    if (key == "strip_vendor_prefix") return json::step(json::read_bool(field, field_path, rules.strip_vendor_prefix, error));
    if (key == "lowercase") return json::step(json::read_bool(field, field_path, rules.lowercase, error));
    if (key == "canonical_prefix") {
      return json::step(json::read_optional_string(field, field_path, rules.canonical_prefix, error));
    }
    return FieldStep::unknown;
  });
  if (!ok) return false;
  if (rules.canonical_prefix) {
    const std::string& prefix = *rules.canonical_prefix;
    bool shaped = prefix.size() >= 2 && prefix.back() == '/' &&
                  is_canonical_model_id(prefix + "x") && is_lower_alnum(prefix.front());
    if (!shaped) {
      return fail(error, join(path, "canonical_prefix"),
                  "must be a lower-case vendor followed by '/', e.g. \"deepseek/\"");
    }
  }
  return true;
}

bool parse_entry(od::value v, const std::string& path, ModelEntryDef& entry, std::string& error) {
  return read_fields(v, path, error, {{"id"}, {"name"}, {"input_modalities"}, {"output_modalities"}},
                     [&](const std::string& key, od::value field, const std::string& at) {
    if (key == "id") {
      if (!json::read_string(field, at, entry.id, error)) return FieldStep::failed;
      if (!is_canonical_model_id(entry.id)) return json::step(fail(error, at, "\"" + entry.id + "\" is not a lower-case vendor/model id"));
      return FieldStep::ok;
    }
    if (key == "upstream_id") {
      if (!json::read_optional_string(field, at, entry.upstream_id, error)) return FieldStep::failed;
      if (entry.upstream_id && (entry.upstream_id->empty() || has_control_or_space(*entry.upstream_id))) {
        return json::step(fail(error, at, "must be a non-empty id without spaces"));
      }
      return FieldStep::ok;
    }
    if (key == "name") return json::step(json::read_nonempty_string(field, at, entry.name, error));
    if (key == "input_price_per_m") return json::step(json::read_price(field, at, entry.input_price_per_m, error));
    if (key == "output_price_per_m") return json::step(json::read_price(field, at, entry.output_price_per_m, error));
    if (key == "cache_read_price_per_m") return json::step(json::read_price(field, at, entry.cache_read_price_per_m, error));
    if (key == "cache_write_price_per_m") return json::step(json::read_price(field, at, entry.cache_write_price_per_m, error));
    if (key == "context_length") return json::step(json::read_count(field, at, entry.context_length, error));
    if (key == "input_modalities") return json::step(json::read_string_list(field, at, entry.input_modalities, error));
    if (key == "output_modalities") return json::step(json::read_string_list(field, at, entry.output_modalities, error));
    if (key == "type") {
      std::string type;
      if (!read_choice(field, at, {"chat", "embedding"}, type, error)) return FieldStep::failed;
      entry.type = type == "embedding" ? ModelType::embedding : ModelType::chat;
      return FieldStep::ok;
    }
    return FieldStep::unknown;
  });
}

bool parse_sync(od::value v, const std::string& path, std::optional<ModelSyncDef>& out, std::string& error) {
  return read_nullable(v, out, [&](ModelSyncDef& sync) {
    return read_fields(v, path, error, {{"path"}, {"parser"}, {"auth"}}, [&](const std::string& key, od::value field, const std::string& at) {
      if (key == "path") return json::step(json::read_string(field, at, sync.path, error));
      if (key == "parser") return json::step(read_choice(field, at, model_list_parser_names(), sync.parser, error));
      if (key == "auth") return json::step(json::read_bool(field, at, sync.auth, error));
      return FieldStep::unknown;
    }) && valid_path(sync.path, path, error);
  });
}

bool parse_models(od::value v, const std::string& path, ModelsDef& models, std::string& error) {
  bool ok = read_fields(v, path, error, {{"sync", "missing (null for a static list)"}, {"entries"}},
                        [&](const std::string& key, od::value field, const std::string& at) {
    if (key == "sync") return json::step(parse_sync(field, at, models.sync, error));
    if (key == "entries") {
      return json::step(json::for_each_element(field, at, error, [&](size_t index, od::value element) {
        ModelEntryDef entry;
        if (!parse_entry(element, at + "[" + std::to_string(index) + "]", entry, error)) return false;
        models.entries.push_back(std::move(entry));
        return true;
      }));
    }
    return FieldStep::unknown;
  });
  if (!ok) return false;
  if (models.entries.empty() && !models.sync) {
    return fail(error, join(path, "entries"), "is empty and there is no sync to fill it");
  }
  for (size_t i = 0; i < models.entries.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (models.entries[i].id == models.entries[j].id) {
        return fail(error, join(path, "entries") + "[" + std::to_string(i) + "].id",
                    "\"" + models.entries[i].id + "\" is listed twice");
      }
      const auto& a = models.entries[i].upstream_id;
      const auto& b = models.entries[j].upstream_id;
      if (a && b && *a == *b) {
        return fail(error, join(path, "entries") + "[" + std::to_string(i) + "].upstream_id",
                    "\"" + *a + "\" is mapped twice");
      }
    }
  }
  return true;
}

bool parse_credits(od::value v, const std::string& path, std::optional<CreditsDef>& out, std::string& error) {
  return read_nullable(v, out, [&](CreditsDef& credits) {
    return read_fields(v, path, error, {{"path"}, {"parser"}}, [&](const std::string& key, od::value field, const std::string& at) {
      if (key == "path") return json::step(json::read_string(field, at, credits.path, error));
      if (key == "parser") return json::step(read_choice(field, at, credits_parser_names(), credits.parser, error));
      return FieldStep::unknown;
    }) && valid_path(credits.path, path, error);
  });
}

bool parse_validation(od::value v, const std::string& path, ValidationDef& validation, std::string& error) {
  static constexpr std::pair<const char*, ValidationMethod> kMethods[] = {
      {"GET", ValidationMethod::get},
      {"chat", ValidationMethod::chat},
  };
  bool has_method = false, has_path = false, has_model = false;
  bool ok = json::for_each_field(v, path, error, [&](const std::string& key, od::value field) {
    std::string field_path = join(path, key);
    if (key == "method") {
      has_method = true;
      return json::step(read_enum(field, field_path, kMethods, validation.method, error));
    }
    if (key == "path") {
      has_path = true;
      return json::step(json::read_string(field, field_path, validation.path, error));
    }
    if (key == "model") {
      has_model = true;
      return json::step(json::read_nonempty_string(field, field_path, validation.model, error));
    }
    return FieldStep::unknown;
  });
  if (!ok) return false;
  if (!has_method) return fail(error, join(path, "method"), "missing");
  if (validation.method == ValidationMethod::get) {
    if (!has_path) return fail(error, join(path, "path"), "missing (required for GET)");
    if (has_model) return fail(error, join(path, "model"), "belongs to method chat only");
    std::string why;
    if (!check_path(validation.path, why)) return fail(error, join(path, "path"), why);
  } else {
    if (!has_model) return fail(error, join(path, "model"), "missing (required for chat)");
    if (has_path) return fail(error, join(path, "path"), "belongs to method GET only");
  }
  return true;
}

bool parse_embedding_mark(od::value v, const std::string& path, EmbeddingMarkDef& mark, std::string& error) {
  bool ok = json::for_each_field(v, path, error, [&](const std::string& key, od::value field) {
    std::string field_path = join(path, key);
    if (key == "all") return json::step(json::read_bool(field, field_path, mark.all, error));
    if (key == "id_contains") return json::step(json::read_nonempty_string(field, field_path, mark.id_contains, error));
    if (key == "field") return json::step(json::read_nonempty_string(field, field_path, mark.field, error));
    if (key == "equals") return json::step(json::read_string_list(field, field_path, mark.equals, error));
    return FieldStep::unknown;
  });
  if (!ok) return false;
  const int kinds = (mark.all ? 1 : 0) + (mark.id_contains.empty() ? 0 : 1) + (mark.field.empty() ? 0 : 1);
  if (kinds != 1) return fail(error, path, "needs exactly one of all: true, id_contains or field");
  if (!mark.field.empty() && mark.equals.empty()) return fail(error, join(path, "equals"), "missing (the values that mark an embedding model)");
  if (mark.field.empty() && !mark.equals.empty()) return fail(error, join(path, "equals"), "belongs to field only");
  return true;
}

// A header a credential may be sent in instead of Authorization.
bool check_auth_header(const std::optional<std::string>& header, const std::string& path, std::string& error) {
  if (!header) return true;
  const std::string name = ascii_lower(*header);
  const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
  if (!token || name == "cookie") return fail(error, path, "must be a header name ([A-Za-z0-9-]+), not Cookie");
  return true;
}

bool parse_embedding_list(od::value v, const std::string& path, std::optional<EmbeddingListDef>& out, std::string& error) {
  return read_nullable(v, out, [&](EmbeddingListDef& list) {
    return read_fields(v, path, error, {{"path"}, {"parser"}, {"auth"}}, [&](const std::string& key, od::value field, const std::string& at) {
      if (key == "path") return json::step(json::read_string(field, at, list.path, error));
      if (key == "parser") return json::step(read_choice(field, at, model_list_parser_names(), list.parser, error));
      if (key == "auth") return json::step(json::read_bool(field, at, list.auth, error));
      if (key == "from_origin") return json::step(json::read_bool(field, at, list.from_origin, error));
      if (key == "auth_header") return json::step(json::read_optional_string(field, at, list.auth_header, error));
      return FieldStep::unknown;
    }) && valid_path(list.path, path, error) && check_auth_header(list.auth_header, join(path, "auth_header"), error);
  });
}

bool parse_count_tokens(od::value v, const std::string& path, std::optional<CountTokensDef>& out, std::string& error) {
  return read_nullable(v, out, [&](CountTokensDef& def) {
    bool ok = read_fields(v, path, error, {{"path"}, {"format"}}, [&](const std::string& key, od::value field, const std::string& at) {
      if (key == "path") return json::step(json::read_string(field, at, def.path, error));
      if (key == "format") return json::step(read_choice(field, at, {"gemini"}, def.format, error));
      if (key == "from_origin") return json::step(json::read_bool(field, at, def.from_origin, error));
      if (key == "auth_header") return json::step(json::read_optional_string(field, at, def.auth_header, error));
      return FieldStep::unknown;
    });
    if (!ok || !valid_path(def.path, path, error)) return false;
    if (def.path.find("{model}") == std::string::npos) return fail(error, join(path, "path"), "must contain {model}");
    return check_auth_header(def.auth_header, join(path, "auth_header"), error);
  });
}

bool parse_embeddings(od::value v, const std::string& path, std::optional<EmbeddingsDef>& out, std::string& error) {
  return read_nullable(v, out, [&](EmbeddingsDef& def) {
    bool ok = read_fields(v, path, error, {{"path"}, {"mark"}}, [&](const std::string& key, od::value field, const std::string& at) {
      if (key == "path") return json::step(json::read_string(field, at, def.path, error));
      if (key == "list") return json::step(parse_embedding_list(field, at, def.list, error));
      if (key == "mark") return json::step(parse_embedding_mark(field, at, def.mark, error));
      return FieldStep::unknown;
    });
    if (!ok || !valid_path(def.path, path, error)) return false;
    if (def.mark.all && !def.list) return fail(error, join(path, "mark.all"), "needs a separate list (a main list also holds chat models)");
    return true;
  });
}

// Each protocol adapter knows exactly one family of credentials.
bool check_protocol_auth(const ProviderDef& def, std::string& error) {
  bool fits = false;
  switch (def.protocol) {
    case Protocol::openai:
      fits = def.auth.kind == AuthKind::bearer;
      break;
    case Protocol::google_v1internal:
      fits = def.auth.kind == AuthKind::google_oauth;
      break;
    case Protocol::aws_eventstream:
      fits = def.auth.kind == AuthKind::kiro_oauth;
      break;
  }
  if (fits) return true;
  return fail(error, "auth.kind",
              std::string("\"") + auth_kind_name(def.auth.kind) + "\" does not fit protocol \"" +
                  protocol_name(def.protocol) + "\"");
}

}  // namespace

bool parse_provider(std::string_view json_text, ProviderDef& out, std::string& error) {
  static constexpr std::pair<const char*, Protocol> kProtocols[] = {
      {"openai", Protocol::openai},
      {"google-v1internal", Protocol::google_v1internal},
      {"aws-eventstream", Protocol::aws_eventstream},
  };
  static constexpr std::pair<const char*, Currency> kCurrencies[] = {
      {"USD", Currency::usd},
      {"CNY", Currency::cny},
  };
  static constexpr std::pair<const char*, CostSource> kCostSources[] = {
      {"usage.cost", CostSource::usage_cost},
      {"usage.estimated_cost", CostSource::usage_estimated_cost},
      {"tokens", CostSource::tokens},
  };

  ProviderDef def;
  simdjson::padded_string padded(json_text);
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc)) return fail(error, "(document)", "is not valid JSON");
  od::object root;
  if (auto code = doc.get_object().get(root)) {
    return fail(error, "(document)", code == simdjson::INCORRECT_TYPE ? "must be a JSON object" : "is not valid JSON");
  }

  struct Seen {
    bool id = false, name = false, protocol = false, base_url = false, auth = false, subscription = false,
         currency = false, cost_source = false, credential_guide = false, model_id = false, models = false,
         validation = false;
  } seen;

  bool ok = json::for_each_field_of(root, "", error, [&](const std::string& key, od::value field) {
    const std::string& path = key;
    if (key == "id") {
      seen.id = true;
      return json::step(json::read_string(field, path, def.id, error));
    }
    if (key == "name") {
      seen.name = true;
      return json::step(json::read_nonempty_string(field, path, def.name, error));
    }
    if (key == "protocol") {
      seen.protocol = true;
      return json::step(read_enum(field, path, kProtocols, def.protocol, error));
    }
    if (key == "base_url") {
      seen.base_url = true;
      return json::step(json::read_string(field, path, def.base_url, error));
    }
    if (key == "auth") {
      seen.auth = true;
      return json::step(parse_auth(field, path, def.auth, error));
    }
    if (key == "extra_headers") return json::step(parse_headers(field, path, def, error));
    if (key == "subscription") {
      seen.subscription = true;
      return json::step(json::read_bool(field, path, def.subscription, error));
    }
    if (key == "currency") {
      seen.currency = true;
      return json::step(read_enum(field, path, kCurrencies, def.currency, error));
    }
    if (key == "cost_source") {
      seen.cost_source = true;
      return json::step(read_enum(field, path, kCostSources, def.cost_source, error));
    }
    if (key == "secret_format") return json::step(json::read_secret_format(field, path, def.secret_format, error));
    if (key == "credential_guide") {
      seen.credential_guide = true;
      return json::step(parse_guide(field, path, def.credential_guide, error));
    }
    if (key == "model_id") {
      seen.model_id = true;
      return json::step(parse_model_id_rules(field, path, def.model_id, error));
    }
    if (key == "models") {
      seen.models = true;
      return json::step(parse_models(field, path, def.models, error));
    }
    if (key == "credits") return json::step(parse_credits(field, path, def.credits, error));
    if (key == "validation") {
      seen.validation = true;
      return json::step(parse_validation(field, path, def.validation, error));
    }
    if (key == "embeddings") return json::step(parse_embeddings(field, path, def.embeddings, error));
    if (key == "count_tokens") return json::step(parse_count_tokens(field, path, def.count_tokens, error));
    if (key == "price_reference") return json::step(json::read_bool(field, path, def.price_reference, error));
    return FieldStep::unknown;
  });
  if (!ok) return false;
  if (!json_read::finished(doc)) return fail(error, "(document)", "has content after the object");

  const std::pair<bool, const char*> required[] = {
      {seen.id, "id"},
      {seen.name, "name"},
      {seen.protocol, "protocol"},
      {seen.base_url, "base_url"},
      {seen.auth, "auth"},
      {seen.subscription, "subscription"},
      {seen.currency, "currency"},
      {seen.cost_source, "cost_source"},
      {seen.credential_guide, "credential_guide"},
      {seen.model_id, "model_id"},
      {seen.models, "models"},
      {seen.validation, "validation"},
  };
  for (const auto& [present, name] : required) {
    if (!present) return fail(error, name, "missing");
  }

  if (!valid_provider_id(def.id)) {
    return fail(error, "id", "\"" + def.id + "\" must match [a-z0-9-]+ (at most 64 characters)");
  }
  std::string why;
  if (!check_url(def.base_url, UrlUse::endpoint, why)) return fail(error, "base_url", why);
  if (!check_protocol_auth(def, error)) return false;
  if (def.count_tokens && def.protocol != Protocol::openai) {
    return fail(error, "count_tokens", "needs protocol \"openai\" (the other protocols count their own way)");
  }
  if (def.embeddings && def.protocol != Protocol::openai) {
    return fail(error, "embeddings", "needs protocol \"openai\" (the gateway calls its POST /embeddings)");
  }

  out = std::move(def);
  return true;
}

const ModelEntryDef* find_entry(const ProviderDef& def, std::string_view canonical_id) {
  for (const ModelEntryDef& entry : def.models.entries) {
    if (entry.id == canonical_id) return &entry;
  }
  return nullptr;
}

std::string to_upstream_model_id(const ProviderDef& def, std::string_view canonical_id,
                                 const std::string& upstream_id_from_catalogue) {
  if (!upstream_id_from_catalogue.empty()) return upstream_id_from_catalogue;
  if (const ModelEntryDef* entry = find_entry(def, canonical_id); entry && entry->upstream_id) {
    return *entry->upstream_id;
  }
  if (def.model_id.strip_vendor_prefix) {
    size_t slash = canonical_id.find('/');
    if (slash != std::string_view::npos) return std::string(canonical_id.substr(slash + 1));
  }
  return std::string(canonical_id);
}

std::string canonical_model_id(const ProviderDef& def, std::string_view native_id) {
  for (const ModelEntryDef& entry : def.models.entries) {
    if (entry.upstream_id && *entry.upstream_id == native_id) return entry.id;
  }
  std::string id = def.model_id.lowercase ? ascii_lower(native_id) : std::string(native_id);
  if (def.model_id.canonical_prefix && id.find('/') == std::string::npos) {
    id = *def.model_id.canonical_prefix + id;
  }
  return id;
}

}  // namespace keyaos::catalog
