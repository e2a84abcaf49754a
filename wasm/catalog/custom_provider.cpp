#include "catalog/custom_provider.h"

#include <nlohmann/json.hpp>

#include "catalog/json_fields.h"
#include "simdjson.h"

namespace keyaos::catalog {

namespace {

namespace od = simdjson::ondemand;
using json::FieldStep;
using json::fail;
using json::join;

constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxModels = 2000;

bool is_id_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool check_id(const std::string& id, std::string& error) {
  bool shaped = !id.empty() && id.size() <= kMaxIdLength && id.front() != '-';
  for (char c : id) shaped = shaped && is_id_char(c);
  if (!shaped) return fail(error, "id", "must be 1-64 characters of a-z, 0-9 and '-', not starting with '-'");
  return true;
}

bool has_space_or_control(std::string_view s) {
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool parse_model(od::value v, const std::string& path, ModelEntryDef& entry, std::string& error) {
  bool has_id = false;
  bool ok = json::for_each_field(v, path, error, [&](const std::string& key, od::value field) {
    std::string field_path = join(path, key);
    if (key == "id") {
      has_id = true;
      if (!json::read_string(field, field_path, entry.id, error)) return FieldStep::failed;
      if (!is_canonical_model_id(entry.id))
        return json::step(fail(error, field_path,
                               "\"" + entry.id + "\" is not a lower-case vendor/model id (put the upstream's own name in upstream_id)"));
      return FieldStep::ok;
    }
    if (key == "upstream_id") {
      if (!json::read_optional_string(field, field_path, entry.upstream_id, error)) return FieldStep::failed;
      if (entry.upstream_id && has_space_or_control(*entry.upstream_id))
        return json::step(fail(error, field_path, "must be an id without spaces"));
      return FieldStep::ok;
    }
    if (key == "name") {
      std::optional<std::string> name;
      if (!json::read_optional_string(field, field_path, name, error)) return FieldStep::failed;
      entry.name = name.value_or("");
      return FieldStep::ok;
    }
    if (key == "input_price_per_m") return json::step(json::read_price(field, field_path, entry.input_price_per_m, error));
    if (key == "output_price_per_m") return json::step(json::read_price(field, field_path, entry.output_price_per_m, error));
    if (key == "cache_read_price_per_m")
      return json::step(json::read_price(field, field_path, entry.cache_read_price_per_m, error));
    if (key == "cache_write_price_per_m")
      return json::step(json::read_price(field, field_path, entry.cache_write_price_per_m, error));
    if (key == "context_length") return json::step(json::read_count(field, field_path, entry.context_length, error));
    return FieldStep::unknown;
  });
  if (!ok) return false;
  if (!has_id) return fail(error, join(path, "id"), "is required");
  if (entry.name.empty()) entry.name = entry.id;
  return true;
}

nlohmann::json optional_number(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

bool check_endpoint_url(std::string_view url, bool allow_query, std::string& why) {
  std::string_view rest;
  if (url.substr(0, 8) == "https://") rest = url.substr(8);
  else if (url.substr(0, 7) == "http://") rest = url.substr(7);
  else {
    why = "must start with https:// or http://";
    return false;
  }
  if (has_space_or_control(url) || url.find_first_of("\\\"<>") != std::string_view::npos) {
    why = "must not contain spaces, control characters or \\ \" < >";
    return false;
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  // A key in the URL would end up in logs and listings: keys go in credentials.
  if (authority.find('@') != std::string_view::npos) {
    why = "must not contain credentials (user:password@); add the key as a credential instead";
    return false;
  }
  if (authority.empty() || authority.front() == ':' || authority.front() == '.') {
    why = "has no host";
    return false;
  }
  for (char c : authority) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == ':' || c == '[' || c == ']';
    if (!ok) {
      why = "has an invalid host";
      return false;
    }
  }
  if (url.find('#') != std::string_view::npos || (!allow_query && url.find('?') != std::string_view::npos)) {
    why = allow_query ? "must not have a fragment" : "must not have a query or fragment (paths are appended to it)";
    return false;
  }
  return true;
}

bool parse_custom_provider(std::string_view text, CustomProvider& out, std::string& error) {
  CustomProvider p;
  simdjson::padded_string padded(text);
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc)) return fail(error, "(document)", "is not valid JSON");
  od::object root;
  if (auto code = doc.get_object().get(root))
    return fail(error, "(document)", code == simdjson::INCORRECT_TYPE ? "must be a JSON object" : "is not valid JSON");

  bool has_id = false, has_base_url = false, has_models = false;
  bool ok = json::for_each_field_of(root, "", error, [&](const std::string& key, od::value field) {
    if (key == "id") {
      has_id = true;
      if (!json::read_string(field, key, p.id, error)) return FieldStep::failed;
      return json::step(check_id(p.id, error));
    }
    if (key == "name") {
      std::optional<std::string> name;
      if (!json::read_optional_string(field, key, name, error)) return FieldStep::failed;
      p.name = name.value_or("");
      return FieldStep::ok;
    }
    if (key == "base_url") {
      has_base_url = true;
      if (!json::read_nonempty_string(field, key, p.base_url, error)) return FieldStep::failed;
      while (p.base_url.size() > 8 && p.base_url.back() == '/') p.base_url.pop_back();
      std::string why;
      if (!check_endpoint_url(p.base_url, false, why)) return json::step(fail(error, key, why));
      return FieldStep::ok;
    }
    if (key == "models_url") {
      if (!json::read_optional_string(field, key, p.models_url, error)) return FieldStep::failed;
      std::string why;
      if (p.models_url && !check_endpoint_url(*p.models_url, true, why)) return json::step(fail(error, key, why));
      return FieldStep::ok;
    }
    if (key == "secret_format") return json::step(json::read_secret_format(field, key, p.secret_format, error));
    if (key == "models") {
      has_models = true;
      if (json::is_null(field)) return FieldStep::ok;
      return json::step(json::for_each_element(field, key, error, [&](size_t index, od::value element) {
        std::string path = key + "[" + std::to_string(index) + "]";
        if (index >= kMaxModels) return fail(error, key, "may list at most " + std::to_string(kMaxModels) + " models");
        ModelEntryDef entry;
        if (!parse_model(element, path, entry, error)) return false;
        for (const ModelEntryDef& previous : p.models)
          if (previous.id == entry.id) return fail(error, join(path, "id"), "\"" + entry.id + "\" appears twice");
        p.models.push_back(std::move(entry));
        return true;
      }));
    }
    return FieldStep::unknown;
  });
  if (!ok) return false;
  if (!has_id) return fail(error, "id", "is required");
  if (!has_base_url) return fail(error, "base_url", "is required");
  if (!p.models_url && (!has_models || p.models.empty()))
    return fail(error, "models", "must list at least one model when there is no models_url");
  if (!p.models_url) {
    for (size_t i = 0; i < p.models.size(); ++i) {
      const ModelEntryDef& m = p.models[i];
      std::string path = "models[" + std::to_string(i) + "]";
      if (!m.input_price_per_m) return fail(error, join(path, "input_price_per_m"), "is required (USD per 1M tokens)");
      if (!m.output_price_per_m) return fail(error, join(path, "output_price_per_m"), "is required (USD per 1M tokens)");
    }
  }
  if (p.name.empty()) p.name = p.id;
  out = std::move(p);
  return true;
}

std::string custom_provider_to_json(const CustomProvider& p) {
  nlohmann::json models = nlohmann::json::array();
  for (const ModelEntryDef& m : p.models) {
    models.push_back({{"id", m.id},
                      {"upstream_id", m.upstream_id ? nlohmann::json(*m.upstream_id) : nlohmann::json(nullptr)},
                      {"name", m.name},
                      {"input_price_per_m", optional_number(m.input_price_per_m)},
                      {"output_price_per_m", optional_number(m.output_price_per_m)},
                      {"cache_read_price_per_m", optional_number(m.cache_read_price_per_m)},
                      {"cache_write_price_per_m", optional_number(m.cache_write_price_per_m)},
                      {"context_length", m.context_length > 0 ? nlohmann::json(m.context_length) : nlohmann::json(nullptr)}});
  }
  nlohmann::json out = {{"id", p.id},
                        {"name", p.name},
                        {"base_url", p.base_url},
                        {"models_url", p.models_url ? nlohmann::json(*p.models_url) : nlohmann::json(nullptr)},
                        {"secret_format", p.secret_format ? secret_format_json(*p.secret_format) : nlohmann::json(nullptr)},
                        {"models", models}};
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ProviderDef custom_provider_def(const CustomProvider& p) {
  ProviderDef def;
  def.id = p.id;
  def.name = p.name;
  def.protocol = Protocol::openai;
  def.base_url = p.base_url;
  def.auth.kind = AuthKind::bearer;
  def.secret_format = p.secret_format;
  def.credential_guide.text = "The API key " + p.name + " expects as 'Authorization: Bearer <key>'.";
  def.credential_guide.placeholder =
      p.secret_format && !p.secret_format->prefixes.empty() ? p.secret_format->prefixes.front() + "..." : "API key";
  def.model_id.lowercase = true;
  def.model_id.canonical_prefix = p.id + "/";
  def.models.entries = p.models;
  def.validation.method = ValidationMethod::get;
  def.validation.path = "/models";
  return def;
}

}  // namespace keyaos::catalog
