-- wrk script for bench/web.sh: counts responses that are not 2xx (wrk itself counts only
-- status >= 400, so a redirect would pass unnoticed) and, given a file of paths (one a
-- line), cycles through them; each thread starts at its own share of the list.
--
--   wrk ... -s bench/web.lua URL                 the URL's path on every request
--   wrk ... -s bench/web.lua URL -- PATHS_FILE   the paths of PATHS_FILE in turn
--
-- done() prints one line, parsed by bench/web.sh:
--   web.lua: requests N non-2xx N connect N read N write N timeout N

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

function init(args)
   non2xx = 0
   paths = {}
   if args[1] then
      for line in io.lines(args[1]) do
         if line ~= "" then
            table.insert(paths, line)
         end
      end
      if #paths == 0 then
         error("no paths in " .. args[1])
      end
   end
   fixed = wrk.format()
   -- Threads are numbered from 1; their starting points are spread over the list (by
   -- the golden ratio), so that threads do not ask for the same path at the same time.
   nxt = math.floor(((id - 1) * 0.618034 % 1) * #paths) + 1
end

function request()
   if #paths == 0 then
      return fixed
   end
   local path = paths[nxt]
   nxt = nxt % #paths + 1
   return wrk.format(nil, path)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local n = 0
   for _, thread in ipairs(threads) do
      n = n + thread:get("non2xx")
   end
   local e = summary.errors
   io.write(string.format(
      "web.lua: requests %d non-2xx %d connect %d read %d write %d timeout %d\n",
      summary.requests, n, e.connect, e.read, e.write, e.timeout))
end
