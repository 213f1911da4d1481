-- wrk script of bench/webhooks.sh: cycles through a pool of pre-signed webhook requests.
--   wrk ... -s bench/webhooks.lua URL -- POOL_FILE
-- POOL_FILE: one request a line, "<path>\t<header name>\t<header value>\t<raw body>" (an empty
-- header name: no signature header, e.g. Cryptomus, whose sign is in the body). The bodies are
-- sent byte for byte as signed. Each wrk thread starts at its own place in the pool.
local requests = {}
local counter = 0
local threads = 0

function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  for line in f:lines() do
    local path, name, value, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if path then
      local headers = { ["Content-Type"] = "application/json" }
      if name ~= "" then headers[name] = value end
      requests[#requests + 1] = wrk.format("POST", path, headers, body)
    end
  end
  f:close()
  assert(#requests > 0, "no requests in " .. args[1])
  counter = ((thread_index or 0) * 7919) % #requests
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end
