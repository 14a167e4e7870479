-- GETs by signed-in residents: one session cookie per thread. Args: <credentials file>.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local i = 0
  for line in io.lines(args[1]) do
    if i == tid then
      local cookie = line:match("^([^\t]+)\t")
      wrk.headers["Cookie"] = "session=" .. cookie
    end
    i = i + 1
  end
  wrk.headers["User-Agent"] = "madang-bench"
end
