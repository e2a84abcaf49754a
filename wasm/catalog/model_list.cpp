#include "catalog/model_list.h"

#include <cmath>
#include <limits>
#include <unordered_set>
#include <utility>

#include "catalog/decimal.h"
#include "core/json_read.h"
#include "core/text.h"
#include "simdjson.h"

namespace keyaos::catalog {

namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// A value of an unexpected type is ignored (the field stays unknown); any
// other error means the document itself is broken.
bool is_structural(error_code code) {
  switch (code) {
    case simdjson::SUCCESS:
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::BIGINT_ERROR:
      return false;
    default:
      return true;
  }
}

struct ParseContext {
  const ProviderDef& def;
  std::vector<CatalogEntry>& out;
  std::unordered_set<std::string> seen;
  error_code broken = simdjson::SUCCESS;
  const EmbeddingMarkDef* mark = nullptr;  // applied to this list
  bool only_marked = false;                // the separate embeddings list
  bool entry_marked = false;               // the entry being read matched `mark`

  // Records a structural error; true while the document is still sound.
  bool check(error_code code) {
    if (is_structural(code) && broken == simdjson::SUCCESS) broken = code;
    return broken == simdjson::SUCCESS;
  }

  // Call before reading each listed model.
  void begin_entry() { entry_marked = false; }

  // `native` is the upstream's own id; an entry without one is dropped.
  void add(CatalogEntry entry, std::string native) {
    if (native.empty()) return;
    entry.model_id = canonical_model_id(def, native);
    entry.upstream_model_id = std::move(native);
    add_mapped(std::move(entry));
  }

  // An entry whose model_id and upstream_model_id are already set.
  void add_mapped(CatalogEntry entry) {
    if (mark && !mark->id_contains.empty() && ascii_lower(entry.upstream_model_id).find(mark->id_contains) != std::string::npos)
      entry_marked = true;
    if (mark && mark->all) entry_marked = true;
    if (only_marked && !entry_marked) return;
    if (entry_marked) entry.type = ModelType::embedding;
    if (!is_canonical_model_id(entry.model_id)) return;
    if (const ModelEntryDef* own = find_entry(def, entry.model_id); own && own->type == ModelType::embedding)
      entry.type = ModelType::embedding;
    if (!seen.insert(entry.model_id).second) return;
    entry.provider_id = def.id;
    out.push_back(std::move(entry));
  }
};

enum class Price { known, absent, invalid };

// A price given as a decimal string or a number, times 10^scale.
Price read_price(od::value v, int scale, double& out, ParseContext& ctx) {
  od::json_type type = od::json_type::null;
  error_code code = v.type().get(type);
  if (code != simdjson::SUCCESS) {
    ctx.check(code);
    return Price::invalid;
  }
  switch (type) {
    case od::json_type::null:
      return Price::absent;
    case od::json_type::string: {
      std::string_view text;
      if (!ctx.check(v.get_string().get(text))) return Price::invalid;
      if (text.empty()) return Price::absent;
      return parse_decimal_scaled(text, scale, out) ? Price::known : Price::invalid;
    }
    case od::json_type::number: {
      std::string_view raw = trim_json_whitespace_end(v.raw_json_token());
      return parse_decimal_scaled(raw, scale, out) ? Price::known : Price::invalid;
    }
    default:
      return Price::invalid;
  }
}

void read_string(od::value v, std::string& out, ParseContext& ctx) {
  std::string_view text;
  error_code code = v.get_string().get(text);
  if (code == simdjson::SUCCESS) {
    out.assign(text);
  } else {
    ctx.check(code);
  }
}

void read_int(od::value v, int64_t& out, ParseContext& ctx) {
  int64_t whole = 0;
  error_code code = v.get_int64().get(whole);
  if (code == simdjson::SUCCESS) {
    if (whole > 0) out = whole;
    return;
  }
  if (!ctx.check(code)) return;
  double real = 0;  // some lists write 131072.0
  if (v.get_double().get(real) == simdjson::SUCCESS && std::isfinite(real) && real > 0 && real < 9e15) {
    out = static_cast<int64_t>(real);
  }
}

void read_strings(od::value v, std::vector<std::string>& out, ParseContext& ctx) {
  od::array array;
  error_code code = v.get_array().get(array);
  if (code != simdjson::SUCCESS) {
    ctx.check(code);
    return;
  }
  out.clear();
  for (auto item : array) {
    std::string_view text;
    error_code item_code = item.get_string().get(text);
    if (item_code == simdjson::SUCCESS) {
      out.emplace_back(text);
    } else if (!ctx.check(item_code)) {
      return;
    }
  }
}

template <typename Handler>
void for_each_member(od::value v, ParseContext& ctx, Handler&& handle);

// A member a parser does not read itself: checked against the mark's field
// (a dotted path; its value a string or a list of strings).
void mark_member(ParseContext& ctx, std::string_view parent, std::string_view key, od::value v) {
  if (!ctx.mark || ctx.mark->field.empty()) return;
  const std::string path = parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
  const std::string& want = ctx.mark->field;
  if (want == path) {
    std::vector<std::string> values;
    std::string one;
    od::json_type type = od::json_type::null;
    if (!ctx.check(v.type().get(type))) return;
    if (type == od::json_type::string) {
      read_string(v, one, ctx);
      values.push_back(one);
    } else if (type == od::json_type::array) {
      read_strings(v, values, ctx);
    }
    for (const auto& value : values)
      for (const auto& wanted : ctx.mark->equals)
        if (ascii_lower(value) == ascii_lower(wanted)) ctx.entry_marked = true;
    return;
  }
  if (want.size() > path.size() && want.compare(0, path.size(), path) == 0 && want[path.size()] == '.') {
    od::json_type type = od::json_type::null;
    if (!ctx.check(v.type().get(type)) || type != od::json_type::object) return;
    for_each_member(v, ctx, [&](std::string_view child, od::value cv) { mark_member(ctx, path, child, cv); });
  }
}

// Calls handle(key, value) for each member of `v` when it is an object.
template <typename Handler>
void for_each_member(od::value v, ParseContext& ctx, Handler&& handle) {
  od::object object;
  error_code code = v.get_object().get(object);
  if (code != simdjson::SUCCESS) {
    ctx.check(code);
    return;
  }
  for (auto member : object) {
    od::field field;
    if (!ctx.check(std::move(member).get(field))) return;
    std::string_view key;
    if (!ctx.check(field.unescaped_key(false).get(key))) return;
    handle(key, field.value());
    if (ctx.broken != simdjson::SUCCESS) return;
  }
}

// Calls on_list(value) with the list's top-level member `key`, which must be
// a JSON `kind` ("array" or "object"); on_list returns false (with `error`
// set) to refuse it.
template <typename OnList>
bool read_top_level_list(od::document& doc, std::string_view key, const char* kind, ParseContext& ctx, std::string& error,
                         OnList&& on_list) {
  od::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) {
    error = "model list must be a JSON object";
    return false;
  }
  bool found = false;
  for (auto member : root) {
    od::field field;
    if (!ctx.check(std::move(member).get(field))) break;
    std::string_view name;
    if (!ctx.check(field.unescaped_key(false).get(name))) break;
    if (name != key) continue;
    found = true;
    if (!on_list(field.value())) return false;
    if (ctx.broken != simdjson::SUCCESS) break;
  }
  if (ctx.broken != simdjson::SUCCESS) {
    error = std::string("model list is not valid JSON: ") + simdjson::error_message(ctx.broken);
    return false;
  }
  if (!found) {
    error = "model list has no \"" + std::string(key) + "\" " + kind;
    return false;
  }
  return true;
}

// Calls handle(element) for each element of the top-level array `key`.
template <typename Handler>
bool for_each_listed_model(od::document& doc, std::string_view key, ParseContext& ctx, std::string& error,
                           Handler&& handle) {
  return read_top_level_list(doc, key, "array", ctx, error, [&](od::value& list) {
    od::array array;
    if (list.get_array().get(array) != simdjson::SUCCESS) {
      error = "model list: \"" + std::string(key) + "\" must be an array";
      return false;
    }
    for (auto item : array) {
      od::value element;
      if (!ctx.check(std::move(item).get(element))) break;
      handle(element);
      if (ctx.broken != simdjson::SUCCESS) break;
    }
    return true;
  });
}

// The members OpenRouter-like lists share: the id, a display name (under
// `name_key`), the creation time and the context window. False for any other.
bool read_listing_member(std::string_view key, od::value v, std::string_view name_key, std::string& native, CatalogEntry& entry,
                         ParseContext& ctx) {
  if (key == "id") read_string(v, native, ctx);
  else if (key == name_key) read_string(v, entry.name, ctx);
  else if (key == "created") read_int(v, entry.created_s, ctx);
  else if (key == "context_length") read_int(v, entry.context_length, ctx);
  else return false;
  return true;
}

// OpenRouter: pricing values are USD per token as decimal strings.
void parse_openrouter_model(od::value element, ParseContext& ctx) {
  CatalogEntry entry;
  std::string native;
  bool skip = false;
  for_each_member(element, ctx, [&](std::string_view key, od::value v) {
    if (read_listing_member(key, v, "name", native, entry, ctx)) return;
    if (key == "architecture") {
      for_each_member(v, ctx, [&](std::string_view arch_key, od::value arch_value) {
        if (arch_key == "input_modalities") read_strings(arch_value, entry.input_modalities, ctx);
        if (arch_key == "output_modalities") read_strings(arch_value, entry.output_modalities, ctx);
      });
    } else if (key == "pricing") {
      for_each_member(v, ctx, [&](std::string_view price_key, od::value price_value) {
        std::optional<double>* slot = nullptr;
        bool required = false;
        if (price_key == "prompt") {
          slot = &entry.input_price_per_m;
          required = true;
        } else if (price_key == "completion") {
          slot = &entry.output_price_per_m;
          required = true;
        } else if (price_key == "input_cache_read") {
          slot = &entry.cache_read_price_per_m;
        } else if (price_key == "input_cache_write") {
          slot = &entry.cache_write_price_per_m;
        } else {
          return;
        }
        double value = 0;
        Price result = read_price(price_value, 6, value, ctx);
        if (result == Price::known && value >= 0) {
          *slot = value;
        } else if (required && result != Price::absent) {
          skip = true;  // "-1": priced per request by a router, not routable here
        }
      });
    } else {
      mark_member(ctx, "", key, v);
    }
  });
  if (!skip) ctx.add(std::move(entry), std::move(native));
}

// ZenMux: each price is a list of tiers; the base tier is the one without
// conditions, else the one starting at the lowest prompt size.
void read_base_tier(od::value v, std::optional<double>& out, ParseContext& ctx) {
  od::array tiers;
  error_code code = v.get_array().get(tiers);
  if (code != simdjson::SUCCESS) {
    ctx.check(code);
    return;
  }
  double best_rank = std::numeric_limits<double>::infinity();
  bool found = false;
  for (auto item : tiers) {
    od::value tier;
    if (!ctx.check(std::move(item).get(tier))) return;
    std::optional<double> value;
    std::string unit = "perMTokens";
    std::string currency = "USD";
    bool has_conditions = false;
    double rank = -1;
    for_each_member(tier, ctx, [&](std::string_view key, od::value field) {
      if (key == "value") {
        double number = 0;
        if (read_price(field, 0, number, ctx) == Price::known && number >= 0) value = number;
      } else if (key == "unit") {
        read_string(field, unit, ctx);
      } else if (key == "currency") {
        read_string(field, currency, ctx);
      } else if (key == "conditions") {
        has_conditions = true;
        rank = std::numeric_limits<double>::max();  // a condition we cannot read
        for_each_member(field, ctx, [&](std::string_view condition, od::value bounds) {
          if (condition != "prompt_tokens") return;
          rank = 0;
          for_each_member(bounds, ctx, [&](std::string_view bound, od::value limit) {
            double gte = 0;
            if (bound == "gte" && read_price(limit, 0, gte, ctx) == Price::known) rank = gte;
          });
        });
      }
    });
    if (ctx.broken != simdjson::SUCCESS) return;
    if (!value || unit != "perMTokens" || currency != "USD") continue;
    if (!has_conditions) rank = -1;
    if (!found || rank < best_rank) {
      found = true;
      best_rank = rank;
      out = value;
    }
  }
}

void parse_zenmux_model(od::value element, ParseContext& ctx) {
  CatalogEntry entry;
  std::string native;
  for_each_member(element, ctx, [&](std::string_view key, od::value v) {
    if (read_listing_member(key, v, "display_name", native, entry, ctx)) return;
    if (key == "input_modalities") {
      read_strings(v, entry.input_modalities, ctx);
    } else if (key == "output_modalities") {
      read_strings(v, entry.output_modalities, ctx);
    } else if (key == "pricings") {
      for_each_member(v, ctx, [&](std::string_view price_key, od::value tiers) {
        if (price_key == "prompt") read_base_tier(tiers, entry.input_price_per_m, ctx);
        if (price_key == "completion") read_base_tier(tiers, entry.output_price_per_m, ctx);
        if (price_key == "input_cache_read") read_base_tier(tiers, entry.cache_read_price_per_m, ctx);
        if (price_key == "input_cache_write_5_min" || price_key == "input_cache_write") {
          if (!entry.cache_write_price_per_m) read_base_tier(tiers, entry.cache_write_price_per_m, ctx);
        }
      });
    } else {
      mark_member(ctx, "", key, v);
    }
  });
  ctx.add(std::move(entry), std::move(native));
}

// DeepInfra: metadata.pricing in USD per 1M tokens; metadata is null for
// models it does not price per token (embeddings).
void parse_deepinfra_model(od::value element, ParseContext& ctx) {
  CatalogEntry entry;
  std::string native;
  for_each_member(element, ctx, [&](std::string_view key, od::value v) {
    if (key == "id") {
      read_string(v, native, ctx);
    } else if (key == "created") {
      read_int(v, entry.created_s, ctx);
    } else if (key == "metadata") {
      for_each_member(v, ctx, [&](std::string_view meta_key, od::value meta) {
        if (meta_key == "context_length") {
          read_int(meta, entry.context_length, ctx);
        } else if (meta_key == "pricing") {
          for_each_member(meta, ctx, [&](std::string_view price_key, od::value price) {
            std::optional<double>* slot = nullptr;
            if (price_key == "input_tokens") slot = &entry.input_price_per_m;
            if (price_key == "output_tokens") slot = &entry.output_price_per_m;
            if (price_key == "cache_read_tokens") slot = &entry.cache_read_price_per_m;
            double value = 0;
            if (slot && read_price(price, 0, value, ctx) == Price::known && value >= 0) *slot = value;
          });
        } else {
          mark_member(ctx, "metadata", meta_key, meta);
        }
      });
    } else {
      mark_member(ctx, "", key, v);
    }
  });
  ctx.add(std::move(entry), std::move(native));
}

// Google names its models "models/<id>".
std::string without_models_prefix(std::string id) {
  constexpr std::string_view kPrefix = "models/";
  if (id.compare(0, kPrefix.size(), kPrefix) == 0) id.erase(0, kPrefix.size());
  return id;
}

// OpenAI-style {"data":[{"id":…}]}: ids only. Google AI Studio prefixes
// its ids with "models/".
void parse_openai_list_model(od::value element, ParseContext& ctx) {
  CatalogEntry entry;
  std::string native;
  for_each_member(element, ctx, [&](std::string_view key, od::value v) {
    if (key == "id") read_string(v, native, ctx);
    else if (key == "created") read_int(v, entry.created_s, ctx);
    else mark_member(ctx, "", key, v);
  });
  ctx.add(std::move(entry), without_models_prefix(std::move(native)));
}

// Google's native list: {"models":[{"name":"models/…", "displayName",
// "inputTokenLimit", "supportedGenerationMethods":[…]}]}.
void parse_google_model(od::value element, ParseContext& ctx) {
  CatalogEntry entry;
  std::string native;
  for_each_member(element, ctx, [&](std::string_view key, od::value v) {
    if (key == "name") read_string(v, native, ctx);
    else if (key == "displayName") read_string(v, entry.name, ctx);
    else if (key == "inputTokenLimit") read_int(v, entry.context_length, ctx);
    else mark_member(ctx, "", key, v);
  });
  ctx.add(std::move(entry), without_models_prefix(std::move(native)));
}

// Antigravity serves several vendors' models under bare ids.
std::string infer_vendor_prefix(std::string_view native) {
  if (native.rfind("gemini-", 0) == 0 || native.rfind("gemma-", 0) == 0) return "google/";
  if (native.rfind("claude-", 0) == 0) return "anthropic/";
  if (native.rfind("gpt-", 0) == 0) return "openai/";
  return {};
}

bool parse_antigravity(od::document& doc, ParseContext& ctx, std::string& error) {
  return read_top_level_list(doc, "models", "object", ctx, error, [&](od::value& list) {
    od::object models;
    if (list.get_object().get(models) != simdjson::SUCCESS) {
      error = "model list: \"models\" must be an object";
      return false;
    }
    for (auto model_member : models) {
      od::field model_field;
      if (!ctx.check(std::move(model_member).get(model_field))) break;
      std::string_view native_view;
      if (!ctx.check(model_field.unescaped_key(false).get(native_view))) break;
      std::string native(native_view);
      CatalogEntry entry;
      for_each_member(model_field.value(), ctx, [&](std::string_view key, od::value v) {
        if (key == "displayName") read_string(v, entry.name, ctx);
        if (key == "maxTokens") read_int(v, entry.context_length, ctx);
      });
      if (ctx.broken != simdjson::SUCCESS) break;
      std::string canonical = canonical_model_id(ctx.def, native);
      if (canonical.find('/') == std::string::npos) {
        std::string vendor = infer_vendor_prefix(ascii_lower(native));
        if (vendor.empty()) continue;  // internal or unknown model
        canonical = vendor + ascii_lower(canonical);
      }
      entry.model_id = std::move(canonical);
      entry.upstream_model_id = std::move(native);
      ctx.add_mapped(std::move(entry));
    }
    return true;
  });
}

using ListParser = bool (*)(od::document& doc, ParseContext& ctx, std::string& error);

// A list of models under "data", each read by `parse_model`.
template <void (*parse_model)(od::value, ParseContext&)>
bool data_list(od::document& doc, ParseContext& ctx, std::string& error) {
  return for_each_listed_model(doc, "data", ctx, error, [&](od::value m) { ctx.begin_entry(); parse_model(m, ctx); });
}

bool google_models_list(od::document& doc, ParseContext& ctx, std::string& error) {
  return for_each_listed_model(doc, "models", ctx, error, [&](od::value m) { ctx.begin_entry(); parse_google_model(m, ctx); });
}

// Every model-list parser under the name provider definitions give it: a new
// parser is one entry here (and in providers/schema.json, which a test checks).
constexpr std::pair<std::string_view, ListParser> kListParsers[] = {
    {"openrouter", data_list<parse_openrouter_model>},
    {"zenmux", data_list<parse_zenmux_model>},
    {"deepinfra", data_list<parse_deepinfra_model>},
    {"openai_list", data_list<parse_openai_list_model>},
    {"antigravity", parse_antigravity},
    {"google_models", google_models_list},
};

ListParser list_parser(std::string_view name) {
  for (const auto& [parser_name, parse] : kListParsers)
    if (parser_name == name) return parse;
  return nullptr;
}

}  // namespace

std::vector<std::string_view> model_list_parser_names() {
  std::vector<std::string_view> names;
  for (const auto& entry : kListParsers) names.push_back(entry.first);
  return names;
}

bool parse_model_list(const ProviderDef& def, std::string_view parser, std::string_view body,
                      std::vector<CatalogEntry>& out, std::string& error, bool embeddings_list) {
  out.clear();
  simdjson::padded_string padded(body);
  od::parser json_parser;
  od::document doc;
  error_code code = json_parser.iterate(padded).get(doc);
  if (code != simdjson::SUCCESS) {
    error = std::string("model list is not valid JSON: ") + simdjson::error_message(code);
    return false;
  }
  ParseContext ctx{def, out, {}, simdjson::SUCCESS};
  if (def.embeddings && embeddings_list == def.embeddings->list.has_value()) ctx.mark = &def.embeddings->mark;
  ctx.only_marked = embeddings_list;
  if (embeddings_list && !ctx.mark) {
    error = "the provider has no separate embeddings list";
    return false;
  }

  bool ok = false;
  if (ListParser parse = list_parser(parser)) {
    ok = parse(doc, ctx, error);
  } else {
    error = "unknown model list parser \"" + std::string(parser) + "\"";
  }
  if (ok && !json_read::finished(doc)) {
    ok = false;
    error = "model list has content after the JSON document";
  }
  if (!ok) out.clear();
  return ok;
}

std::vector<CatalogEntry> catalog_from_definition(const ProviderDef& def) {
  std::vector<CatalogEntry> rows;
  rows.reserve(def.models.entries.size());
  for (const ModelEntryDef& model : def.models.entries) {
    CatalogEntry row;
    row.provider_id = def.id;
    row.model_id = model.id;
    row.upstream_model_id = to_upstream_model_id(def, model.id, model.upstream_id.value_or(std::string()));
    row.name = model.name;
    row.input_price_per_m = model.input_price_per_m;
    row.output_price_per_m = model.output_price_per_m;
    row.cache_read_price_per_m = model.cache_read_price_per_m;
    row.cache_write_price_per_m = model.cache_write_price_per_m;
    row.context_length = model.context_length;
    row.input_modalities = model.input_modalities;
    row.output_modalities = model.output_modalities;
    row.type = model.type;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace keyaos::catalog
