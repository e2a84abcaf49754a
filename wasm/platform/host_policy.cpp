#include "platform/host_policy.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "core/text.h"

namespace keyaos::platform {
namespace {

// One part of an IPv4 literal as the WHATWG URL parser reads it: decimal,
// 0x-hex or 0-octal.
std::optional<uint64_t> ipv4_part(std::string_view part) {
  if (part.empty()) return std::nullopt;
  int base = 10;
  if (part.size() > 1 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    base = 16;
    part.remove_prefix(2);
  } else if (part.size() > 1 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  }
  uint64_t value = 0;
  for (char c : part) {
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
    if (digit >= base) return std::nullopt;
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
    if (value > 0xFFFFFFFFull) return value;  // too large either way; stops overflow
  }
  return value;
}

std::vector<std::string_view> split_dots(std::string_view host) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    parts.push_back(host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

// The URL parser treats a host whose last label is a number as IPv4.
bool looks_numeric(std::string_view label) { return !label.empty() && ipv4_part(label).has_value(); }

std::optional<uint32_t> ipv4_address(const std::vector<std::string_view>& parts) {
  if (parts.empty() || parts.size() > 4) return std::nullopt;
  std::vector<uint64_t> values;
  for (auto p : parts) {
    auto v = ipv4_part(p);
    if (!v) return std::nullopt;
    values.push_back(*v);
  }
  for (size_t i = 0; i + 1 < values.size(); ++i)
    if (values[i] > 255) return std::nullopt;
  const uint64_t last_limit = 1ull << (8 * (5 - values.size()));
  if (values.back() >= last_limit) return std::nullopt;
  uint64_t address = values.back();
  for (size_t i = 0; i + 1 < values.size(); ++i) address += values[i] << (8 * (3 - i));
  return static_cast<uint32_t>(address);
}

bool in(uint32_t address, uint32_t network, int prefix) {
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return (address & mask) == network;
}

bool private_ipv4(uint32_t a) {
  return in(a, 0x00000000, 8) ||     // "this network"
         in(a, 0x0A000000, 8) ||     // 10/8
         in(a, 0x64400000, 10) ||    // 100.64/10, carrier-grade NAT
         in(a, 0x7F000000, 8) ||     // loopback
         in(a, 0xA9FE0000, 16) ||    // link-local, cloud metadata 169.254.169.254
         in(a, 0xAC100000, 12) ||    // 172.16/12
         in(a, 0xC0000000, 24) ||    // 192.0.0/24, protocol assignments
         in(a, 0xC0A80000, 16) ||    // 192.168/16
         in(a, 0xC6120000, 15) ||    // 198.18/15, benchmarking
         in(a, 0xE0000000, 3);       // multicast, reserved, broadcast
}

}  // namespace

std::string private_host_problem(std::string_view url) {
  if (url.substr(0, 8) != "https://") return "must be an https URL";
  std::string_view rest = url.substr(8);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return "must not carry a user name or password";
  if (!authority.empty() && authority.front() == '[') return "must name a host, not an IPv6 address";
  std::string host = ascii_lower(authority.substr(0, authority.rfind(':')));  // without the port
  while (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty()) return "must name a host";
  if (host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local") || host.ends_with(".internal") ||
      host.ends_with(".localdomain") || host.ends_with(".home.arpa") || host.find('.') == std::string::npos)
    return "must name a public host (" + host + " is local)";
  const std::vector<std::string_view> labels = split_dots(host);
  if (!looks_numeric(labels.back())) return {};
  auto address = ipv4_address(labels);
  if (!address) return "must name a host or a valid IPv4 address";
  if (private_ipv4(*address)) return "must name a public host (" + host + " is a private, loopback or link-local address)";
  return {};
}

}  // namespace keyaos::platform
