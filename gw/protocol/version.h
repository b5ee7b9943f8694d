// MCP protocol revisions this gateway speaks, and version negotiation.
// MCP 2025-11-25 §Lifecycle, Version Negotiation: if the server supports the requested
// version it must answer with it; otherwise it answers with another version it supports
// (we pick the latest) and the client decides whether to continue.
#pragma once

#include <span>
#include <string_view>

namespace gw::protocol {

// The revisions, each written once here.
inline constexpr std::string_view kProtocol2025_11_25 = "2025-11-25";
inline constexpr std::string_view kProtocol2025_06_18 = "2025-06-18";
inline constexpr std::string_view kProtocol2025_03_26 = "2025-03-26";

inline constexpr std::string_view kLatestProtocolVersion = kProtocol2025_11_25;
// Used for Streamable HTTP requests without an MCP-Protocol-Version header (spec: assume
// 2025-03-26 when the header is absent).
inline constexpr std::string_view kDefaultHttpProtocolVersion = kProtocol2025_03_26;

// Newest first.
std::span<const std::string_view> SupportedProtocolVersions();
bool IsSupportedProtocolVersion(std::string_view version);
// The version to answer an initialize request that asked for `requested`.
std::string_view NegotiateProtocolVersion(std::string_view requested);

}  // namespace gw::protocol
