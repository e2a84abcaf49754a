#include "catalog/sync_apply.h"

#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "store/catalog_store.h"

namespace keyaos::catalog {

namespace {


struct Fnv {
  uint64_t h = 1469598103934665603ULL;
  void raw(const void* data, size_t n) {
    const unsigned char* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ULL;
    }
  }
  void text(std::string_view s) {
    raw(s.data(), s.size());
    h ^= 0xff;  // field separator, so "ab"+"c" differs from "a"+"bc"
    h *= 1099511628211ULL;
  }
  // The bits of the double: the same decimal text always parses to the same bits.
  void number(const std::optional<double>& v) {
    if (!v) return text("-");
    double d = *v;
    raw(&d, sizeof d);
  }
  void integer(int64_t v) { raw(&v, sizeof v); }
};

}  // namespace

FreshList read_fresh_list(const ProviderDef& def, std::string_view parser, std::string_view body,
                          const std::vector<const ReferenceMap*>& references, std::string_view embeddings_body) {
  FreshList list;
  list.ok = parse_model_list(def, parser, body, list.rows, list.error);
  if (list.ok && def.embeddings && def.embeddings->list) {
    std::vector<CatalogEntry> embedding_rows;
    std::string error;
    if (!parse_model_list(def, def.embeddings->list->parser, embeddings_body, embedding_rows, error, true)) {
      list.ok = false;
      list.rows.clear();
      list.error = "embeddings list: " + error;
      return list;
    }
    // An empty list on either side looks like an upstream fault, not a
    // catalogue that lost every model: the sync then changes nothing.
    if (list.rows.empty()) return list;  // decide_sync reports the empty list
    if (embedding_rows.empty()) {
      list.ok = false;
      list.rows.clear();
      list.error = "embeddings list: it names no embedding model";
      return list;
    }
    std::unordered_set<std::string> embedding_ids;
    for (const auto& row : embedding_rows) embedding_ids.insert(row.model_id);
    std::vector<CatalogEntry> merged;
    merged.reserve(list.rows.size() + embedding_rows.size());
    for (auto& row : list.rows)
      if (!embedding_ids.count(row.model_id)) merged.push_back(std::move(row));
    for (auto& row : embedding_rows) merged.push_back(std::move(row));
    list.rows = std::move(merged);
  }
  if (list.ok) list.fill = fill_from_reference(list.rows, references);
  return list;
}

std::string list_key(std::string_view body, std::string_view definitions_version, std::string_view reference_key) {
  // Four independent lanes of eight bytes per step (the multiplies overlap):
  // hashing a 1 MB body stays far below parsing it.
  const auto mix = [](uint64_t h, uint64_t word) {
    h = (h ^ word) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 32);
  };
  uint64_t lanes[4] = {0x9e3779b97f4a7c15ULL ^ body.size(), 0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL, 0x27d4eb2f165667c5ULL};
  size_t i = 0;
  for (; i + 32 <= body.size(); i += 32) {
    uint64_t words[4];
    std::memcpy(words, body.data() + i, 32);
    for (int k = 0; k < 4; k++) lanes[k] = mix(lanes[k], words[k]);
  }
  uint64_t h = lanes[0];
  for (int k = 1; k < 4; k++) h = mix(h, lanes[k]);
  for (; i + 8 <= body.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, body.data() + i, 8);
    h = mix(h, word);
  }
  for (; i < body.size(); ++i) h = (h ^ static_cast<unsigned char>(body[i])) * 0x100000001b3ULL;
  Fnv f;
  f.integer(static_cast<int64_t>(h));
  f.text(definitions_version);
  f.text(reference_key);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(f.h));
  return hex;
}

uint64_t row_digest(const CatalogEntry& r) {
  Fnv f;
  f.text(r.upstream_model_id);
  f.text(r.name);
  f.number(r.input_price_per_m);
  f.number(r.output_price_per_m);
  f.number(r.cache_read_price_per_m);
  f.number(r.cache_write_price_per_m);
  f.integer(r.context_length);
  for (const auto& m : r.input_modalities) f.text(m);
  f.text("|");
  for (const auto& m : r.output_modalities) f.text(m);
  if (r.type == ModelType::embedding) f.text("|embedding");  // chat rows keep the digests written before types existed
  return f.h;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

RowDigests parse_row_digests(std::string_view text) {
  RowDigests out;
  out.reserve(text.size() / 40 + 1);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    size_t tab = line.find('\t');
    if (tab != std::string_view::npos && tab > 0 && line.size() - tab - 1 == 16) {
      uint64_t digest = 0;
      bool hex = true;
      for (char c : line.substr(tab + 1)) {
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        hex = hex && v >= 0;
        digest = (digest << 4) | static_cast<uint64_t>(v & 0xF);
      }
      if (hex) out.emplace(std::string(line.substr(0, tab)), digest);
    }
    start = end + 1;
  }
  return out;
}

std::string row_digests_text(const RowDigests& digests) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(digests.size() * 48);
  for (const auto& [id, digest] : digests) {
    out.append(id).push_back('\t');
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(digest >> shift) & 0xF]);
    out.push_back('\n');
  }
  return out;
}

CatalogWrite plan_catalog_write(const std::string& catalog_owner, const std::string& provider_id, const std::vector<std::string>& previously_active,
                                bool list_ok, std::vector<CatalogEntry> fresh, std::string_view source,
                                const RowDigests& written_before, size_t max_rows, int64_t now_ms) {
  CatalogWrite write;
  write.decision = decide_sync(previously_active, list_ok, std::move(fresh));
  const std::unordered_set<std::string_view> active(previously_active.begin(), previously_active.end());
  write.digests.reserve(write.decision.upsert.size());
  std::vector<CatalogEntry> changed;
  for (const CatalogEntry& row : write.decision.upsert) {
    const uint64_t digest = row_digest(row);
    auto before = written_before.find(row.model_id);
    if (active.count(row.model_id) && before != written_before.end() && before->second == digest) {
      write.digests.emplace(row.model_id, digest);
    } else if (changed.size() < max_rows) {
      changed.push_back(row);
      write.digests.emplace(row.model_id, digest);
    } else {
      ++write.pending;  // no digest: still "changed" next time
    }
  }
  write.upserted = changed.size();
  if (!changed.empty()) write.statements = store::catalog::upsert(catalog_owner, changed, source, now_ms);

  for (auto& s : store::catalog::deactivate(catalog_owner, provider_id, write.decision.deactivate, now_ms)) write.statements.push_back(std::move(s));
  return write;
}

}  // namespace keyaos::catalog
