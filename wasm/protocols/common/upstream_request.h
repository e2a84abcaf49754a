#pragma once
#include <string>
#include <vector>

namespace keyaos {

struct HttpHeader {
  std::string name;
  std::string value;
  bool operator==(const HttpHeader&) const = default;
};
using HeaderList = std::vector<HttpHeader>;  // in sending order

// An HTTP request a protocol module builds for the host to send; the core
// itself performs no I/O.
struct UpstreamRequest {
  std::string method;
  std::string url;
  HeaderList headers;
  std::string body;
};

}  // namespace keyaos
