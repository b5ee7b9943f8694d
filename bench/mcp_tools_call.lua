-- wrk script: MCP tools/call requests over Streamable HTTP with keep-alive.
-- Environment: MCP_PATH, MCP_SESSIONS (comma-separated, one per wrk thread; empty for a
-- plain HTTP peer such as nginx), MCP_TOOL, MCP_ARGS (JSON object).
local sessions = {}
for id in string.gmatch(os.getenv("MCP_SESSIONS") or "", "[^,]+") do
  table.insert(sessions, id)
end
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("session", sessions[((next_thread - 1) % math.max(#sessions, 1)) + 1] or "")
end

local counter = 0
local path = os.getenv("MCP_PATH") or "/mcp"
local tool = os.getenv("MCP_TOOL") or "echo"
local args = os.getenv("MCP_ARGS") or "{}"

function request()
  counter = counter + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = os.getenv("MCP_VERSION") or "2025-06-18",
  }
  if session ~= "" then headers["Mcp-Session-Id"] = session end
  local body = string.format(
    '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s","arguments":%s}}',
    counter, tool, args)
  return wrk.format("POST", path, headers, body)
end
