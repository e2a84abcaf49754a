#include "catalog/provider_json.h"

#include <nlohmann/json.hpp>

namespace keyaos::catalog {

namespace {

using nlohmann::json;

json optional_string(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

json optional_number(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

json entry_json(const ModelEntryDef& entry) {
  json out = json::object();
  out["id"] = entry.id;
  out["upstream_id"] = optional_string(entry.upstream_id);
  out["name"] = entry.name;
  out["input_price_per_m"] = optional_number(entry.input_price_per_m);
  out["output_price_per_m"] = optional_number(entry.output_price_per_m);
  out["cache_read_price_per_m"] = optional_number(entry.cache_read_price_per_m);
  out["cache_write_price_per_m"] = optional_number(entry.cache_write_price_per_m);
  out["context_length"] = entry.context_length > 0 ? json(entry.context_length) : json(nullptr);
  out["input_modalities"] = entry.input_modalities;
  out["output_modalities"] = entry.output_modalities;
  if (entry.type != ModelType::chat) out["type"] = model_type_name(entry.type);
  return out;
}

}  // namespace

std::string provider_to_json(const ProviderDef& def) {
  json out = json::object();
  out["id"] = def.id;
  out["name"] = def.name;
  out["protocol"] = protocol_name(def.protocol);
  out["base_url"] = def.base_url;

  json auth = json::object();
  auth["kind"] = auth_kind_name(def.auth.kind);
  if (def.auth.kind != AuthKind::bearer) {
    auth["token_url"] = optional_string(def.auth.token_url);
    auth["client_id"] = optional_string(def.auth.client_id);
    auth["client_secret"] = optional_string(def.auth.client_secret);
  }
  out["auth"] = std::move(auth);

  json headers = json::object();
  for (const auto& [name, value] : def.extra_headers) headers[name] = value;
  out["extra_headers"] = std::move(headers);

  out["subscription"] = def.subscription;
  out["currency"] = currency_name(def.currency);
  out["cost_source"] = cost_source_name(def.cost_source);
  out["secret_format"] = def.secret_format ? secret_format_json(*def.secret_format) : json(nullptr);

  const CredentialGuide& guide = def.credential_guide;
  out["credential_guide"] = {
      {"text", guide.text},
      {"url", optional_string(guide.url)},
      {"placeholder", guide.placeholder},
      {"file_path", optional_string(guide.file_path)},
      {"command", optional_string(guide.command)},
  };

  out["model_id"] = {
      {"strip_vendor_prefix", def.model_id.strip_vendor_prefix},
      {"lowercase", def.model_id.lowercase},
      {"canonical_prefix", optional_string(def.model_id.canonical_prefix)},
  };

  json models = json::object();
  if (def.models.sync) {
    models["sync"] = {
        {"path", def.models.sync->path},
        {"parser", def.models.sync->parser},
        {"auth", def.models.sync->auth},
    };
  } else {
    models["sync"] = nullptr;
  }
  json entries = json::array();
  for (const ModelEntryDef& entry : def.models.entries) entries.push_back(entry_json(entry));
  models["entries"] = std::move(entries);
  out["models"] = std::move(models);

  if (def.credits) {
    out["credits"] = {{"path", def.credits->path}, {"parser", def.credits->parser}};
  } else {
    out["credits"] = nullptr;
  }

  json validation = json::object();
  validation["method"] = validation_method_name(def.validation.method);
  if (def.validation.method == ValidationMethod::get) {
    validation["path"] = def.validation.path;
  } else {
    validation["model"] = def.validation.model;
  }
  out["validation"] = std::move(validation);

  if (def.embeddings) {
    const EmbeddingsDef& e = *def.embeddings;
    json mark = json::object();
    if (e.mark.all) mark["all"] = true;
    if (!e.mark.id_contains.empty()) mark["id_contains"] = e.mark.id_contains;
    if (!e.mark.field.empty()) {
      mark["field"] = e.mark.field;
      mark["equals"] = e.mark.equals;
    }
    json list = nullptr;
    if (e.list) {
      list = {{"path", e.list->path}, {"parser", e.list->parser}, {"auth", e.list->auth}};
      if (e.list->from_origin) list["from_origin"] = true;
      if (e.list->auth_header) list["auth_header"] = *e.list->auth_header;
    }
    out["embeddings"] = {{"path", e.path}, {"list", std::move(list)}, {"mark", std::move(mark)}};
  }
  if (def.price_reference) out["price_reference"] = true;
  if (def.count_tokens) {
    const CountTokensDef& c = *def.count_tokens;
    json count = {{"path", c.path}, {"format", c.format}};
    if (c.from_origin) count["from_origin"] = true;
    if (c.auth_header) count["auth_header"] = *c.auth_header;
    out["count_tokens"] = std::move(count);
  }

  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace keyaos::catalog
