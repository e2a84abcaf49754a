#pragma once
#include <string>
#include <vector>

namespace keyaos::google_v1internal {

struct Header {
  std::string name;
  std::string value;
};

// An HTTP request for the caller to perform; this module never does I/O.
struct HttpRequest {
  std::string method;
  std::string url;
  std::vector<Header> headers;
  std::string body;
};

}  // namespace keyaos::google_v1internal
