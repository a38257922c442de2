-- wrk script for bench/serve.sh: POSTs real messages (one per line of $GUARDIAN_MESSAGES) to
-- /v1/moderations in turn, each as an OpenAI-style {"input": "..."} body.
local bodies = {}
local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == '\\' then return '\\\\' end
    return string.format('\\u%04x', c:byte())
  end) .. '"'
end
for line in io.lines(os.getenv("GUARDIAN_MESSAGES")) do
  if #line > 0 then bodies[#bodies + 1] = '{"input": ' .. json_string(line) .. '}' end
end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/moderations", {["Content-Type"] = "application/json"}, bodies[i])
end
