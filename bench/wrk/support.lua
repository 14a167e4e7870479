-- Sympathy POSTs, each by a different signed-in resident: one line per resident in the file
-- (session cookie <TAB> CSRF token). Thread t takes lines t, t+n, t+2n… and stops when its share
-- is used up, so no resident posts twice. Args: <path> <credentials file> <threads>.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local creds, path, step, nextIndex = {}, nil, 1, 1
ok, conflict, other, sent = 0, 0, 0, 0

function init(args)
  path, step = args[1], tonumber(args[3])
  for line in io.lines(args[2]) do
    local cookie, token = line:match("^([^\t]+)\t([^\t]+)$")
    if cookie then table.insert(creds, { cookie, token }) end
  end
  nextIndex = tid + 1
end

function request()
  local c = creds[nextIndex]
  if c == nil then
    c = creds[1]  -- only reached while the last answers are in flight; response() stops the thread
  end
  nextIndex = nextIndex + step
  sent = sent + 1
  return wrk.format("POST", path, {
    ["Cookie"] = "session=" .. c[1],
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["User-Agent"] = "madang-bench",
  }, "csrf_token=" .. c[2])
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status == 409 then conflict = conflict + 1 else other = other + 1 end
  if creds[nextIndex] == nil then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local o, c, x = 0, 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok"); c = c + t:get("conflict"); x = x + t:get("other")
  end
  io.write(string.format("STATUS ok=%d conflict=%d other=%d\n", o, c, x))
end
