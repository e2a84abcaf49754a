#pragma once
#include <string>
#include <utility>
#include <vector>

namespace keyaos::kiro {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// An HTTP request for the host to send; the core performs no I/O.
struct HttpRequest {
  std::string method;
  std::string url;
  HeaderList headers;  // in sending order
  std::string body;
};

}  // namespace keyaos::kiro
