-- Sympathy POSTs, each by a different signed-in resident: one line per resident in the file
-- (session cookie <TAB> CSRF token). Thread t takes lines t, t+n, t+2n…; once its share is sent, its
-- other connections repeat its first resident (answered 409, "already supported", no new row) until
-- every one of its own sympathies was answered, then it stops. Args: <path> <credentials file> <threads>.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local creds, path, step, nextIndex, share = {}, nil, 1, 1, 0
ok, conflict, other, sent, fast = 0, 0, 0, 0, 0

function init(args)
  path, step = args[1], tonumber(args[3])
  for line in io.lines(args[2]) do
    local cookie, token = line:match("^([^\t]+)\t([^\t]+)$")
    if cookie then table.insert(creds, { cookie, token }) end
  end
  nextIndex = tid + 1
  for i = tid + 1, #creds, step do share = share + 1 end
end

function request()
  local c = creds[nextIndex]
  if c == nil then
    c = creds[tid + 1]  -- its share is sent: a repeat, while the last answers are in flight
  else
    nextIndex = nextIndex + step
  end
  sent = sent + 1
  return wrk.format("POST", path, {
    ["Cookie"] = "session=" .. c[1],
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["User-Agent"] = "madang-bench",
  }, "csrf_token=" .. c[2])
end

function response(status, headers, body)
  -- 409 (already supported) and 429 (the repeated resident's limit) answer the repeats.
  if headers["X-Fast-Path"] then fast = fast + 1 end
  if status == 200 then ok = ok + 1 elseif status == 409 or status == 429 then conflict = conflict + 1
  else other = other + 1 end
  -- Every own sympathy answered (200, or an error counted in `other`), or a safety stop.
  if creds[nextIndex] == nil and (ok + other >= share or sent > share + 10000) then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local o, c, x, f = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok"); c = c + t:get("conflict"); x = x + t:get("other"); f = f + t:get("fast")
  end
  io.write(string.format("STATUS ok=%d conflict=%d other=%d fast=%d\n", o, c, x, f))
end
