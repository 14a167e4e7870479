-- GETs, each by the next signed-in resident of the file (session cookie <TAB> CSRF token), so every
-- request is a resident's first look at the page (none of them has a copy of it yet), as when a
-- crowd of signed-in residents arrives. Thread t takes lines t, t+n, t+2n… Args: <credentials file> <threads>.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local cookies, step, nextIndex = {}, 1, 1
repeated = 0

function init(args)
  step = tonumber(args[2])
  for line in io.lines(args[1]) do
    local cookie = line:match("^([^\t]+)\t")
    if cookie then table.insert(cookies, cookie) end
  end
  nextIndex = tid + 1
  wrk.headers["User-Agent"] = "madang-bench"
end

function request()
  if nextIndex > #cookies then
    nextIndex = tid + 1  -- the file is used up: from here on these are second looks
    repeated = repeated + 1
  end
  local cookie = cookies[nextIndex]
  nextIndex = nextIndex + step
  return wrk.format("GET", nil, { ["Cookie"] = "session=" .. cookie })
end

function done(summary, latency, requests)
  local r = 0
  for _, t in ipairs(threads) do r = r + t:get("repeated") end
  io.write(string.format("REPEATED %d\n", r))
end
