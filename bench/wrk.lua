-- SPDX-License-Identifier: Apache-2.0
-- wrk.lua — the one wrk script behind every HTTP benchmark in bench/bench.py.
-- Requests are pre-built in init() wherever possible (building them per request would make
-- wrk, not the server, the bottleneck), and done() prints one machine-readable line
-- ("BENCHJSON {...}") that bench.py parses instead of wrk's human-oriented text.
--
-- usage: wrk ... -s bench/wrk.lua URL -- MODE ARG...
--   get FILE             GET each path listed in FILE (one per line), cycling; each thread
--                        starts at a different offset.
--   post FILE            POST lines "PATH<TAB>BODY" from FILE, cycling (re-registration).
--   register PREFIX [MAX]
--                        POST a new, distinct Avro record to a new subject per request
--                        (subject PREFIX-T-N); with MAX, all threads together stop after
--                        about MAX requests (used to populate a registry).

local counter = 0
local threads = {}

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

local mode
local reqs = {}
local nreqs = 0
local idx = 0
local prefix
local quota
local sent = 0
local json_type = "application/vnd.schemaregistry.v1+json"

local function read_lines(path)
   local lines = {}
   local fh = assert(io.open(path, "r"))
   for line in fh:lines() do
      if #line > 0 then
         table.insert(lines, line)
      end
   end
   fh:close()
   return lines
end

function init(args)
   mode = args[1]
   local t = tid or 1
   if mode == "get" then
      for _, p in ipairs(read_lines(args[2])) do
         table.insert(reqs, wrk.format("GET", p))
      end
   elseif mode == "post" then
      local headers = { ["Content-Type"] = json_type }
      for _, line in ipairs(read_lines(args[2])) do
         local tab = line:find("\t", 1, true)
         table.insert(reqs, wrk.format("POST", line:sub(1, tab - 1), headers, line:sub(tab + 1)))
      end
   elseif mode == "register" then
      prefix = args[2]
      -- Per-thread share of the total; wrk runs every thread's init() before counting.
      if args[3] then
         quota = math.ceil(tonumber(args[3]) / tonumber(args[4] or 1))
      end
   else
      error("wrk.lua: unknown mode " .. tostring(mode))
   end
   nreqs = #reqs
   if nreqs > 0 then
      -- Spread the threads over the list so they do not hit the same entries in step.
      idx = math.floor((t - 1) * nreqs / 7) % nreqs
   end
end

-- A realistic producer value schema (about 400 bytes once escaped): distinct name and
-- namespace per request so every registration is a new schema and a new id.
local function new_schema(name)
   return '{"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"' .. name ..
      '\\",\\"namespace\\":\\"bench.reg\\",\\"fields\\":[' ..
      '{\\"name\\":\\"id\\",\\"type\\":\\"long\\"},' ..
      '{\\"name\\":\\"customer\\",\\"type\\":\\"string\\"},' ..
      '{\\"name\\":\\"amount\\",\\"type\\":\\"double\\"},' ..
      '{\\"name\\":\\"currency\\",\\"type\\":{\\"type\\":\\"enum\\",\\"name\\":\\"Cur' .. name ..
      '\\",\\"symbols\\":[\\"EUR\\",\\"USD\\",\\"GBP\\"]}},' ..
      '{\\"name\\":\\"tags\\",\\"type\\":{\\"type\\":\\"array\\",\\"items\\":\\"string\\"}},' ..
      '{\\"name\\":\\"note\\",\\"type\\":[\\"null\\",\\"string\\"],\\"default\\":null},' ..
      '{\\"name\\":\\"created\\",\\"type\\":{\\"type\\":\\"long\\",\\"logicalType\\":\\"timestamp-millis\\"}}' ..
      ']}"}'
end

local reg_headers = { ["Content-Type"] = json_type }

function request()
   if mode == "register" then
      sent = sent + 1
      if quota and sent > quota then
         wrk.thread:stop()
      end
      local name = prefix .. "_" .. tid .. "_" .. sent
      return wrk.format("POST", "/subjects/" .. name .. "/versions", reg_headers, new_schema(name))
   end
   idx = idx + 1
   if idx > nreqs then
      idx = 1
   end
   return reqs[idx]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,' ..
      '"lat_mean_us":%.1f,"lat_p50_us":%d,"lat_p99_us":%d,"lat_p999_us":%d,"lat_max_us":%d}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency:percentile(50.0), latency:percentile(99.0),
      latency:percentile(99.9), latency.max))
end
