#pragma once
#include <string>
#include <string_view>

// Platform mode lets anyone add a custom provider, and the Worker then fetches
// its URLs with credentials attached: such a URL must name a public HTTPS
// host, never the loopback, a private or link-local network, or a cloud
// metadata service. (Workers do not route to private networks on Cloudflare;
// the rule also holds under `wrangler dev` and on self-hosted workerd.)
namespace keyaos::platform {

// Empty when `url` (already checked as a well-formed http(s) endpoint) is an
// https URL of a public host; otherwise why it is refused. Host names are
// judged by their text: a name that resolves to a private address is the
// network's to refuse. IPv4 literals are judged by their address in every
// form a URL parser accepts (127.1, 0x7f.0.0.1, 2130706433); IPv6 literals
// are refused (an API on a bare IPv6 address is rare, and its private ranges
// are many).
std::string private_host_problem(std::string_view url);

}  // namespace keyaos::platform
