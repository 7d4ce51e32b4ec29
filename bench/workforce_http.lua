-- wrk script of bench.workforce_http: single check-ins, POST /api/v1/workforce/checkin, each
-- person with their own token. One connection per wrk thread (-t = -c), so that each thread's
-- responses come back in the order of its requests and a retry can be checked against the
-- answer it repeats. Read from the environment:
--   WF_TOKENS     file of tokens, one a line      WF_THREADS  wrk's -t
--   WF_DAYS       "yesterday,today" (YYYY-MM-DD)  WF_RETRY    share of requests sent twice
--   WF_ABNORMAL   one reading in this many is 38.1 °C       WF_OUT  directory for the results
-- Each thread takes every WF_THREADS-th token and goes through them for yesterday morning,
-- then yesterday afternoon, today morning, today afternoon (four check-ins a person). After a
-- 201, with probability WF_RETRY, the next request is the same one again (the same key: the
-- client did not see the answer), which must answer 200 with the same id.

local threads = {}
local count = 0

function setup(thread)
   count = count + 1
   thread:set("tid", count)
   table.insert(threads, thread)
end

function init(args)
   local every = tonumber(os.getenv("WF_THREADS"))
   tokens = {}
   local i = 0
   for line in io.lines(os.getenv("WF_TOKENS")) do
      if i % every == tid - 1 then
         tokens[#tokens + 1] = line
      end
      i = i + 1
   end
   days = {}
   for day in string.gmatch(os.getenv("WF_DAYS"), "[^,]+") do
      days[#days + 1] = day
   end
   retry_rate = tonumber(os.getenv("WF_RETRY") or "0.05")
   abnormal_every = tonumber(os.getenv("WF_ABNORMAL") or "1000")
   math.randomseed(tid * 7919 + os.time())
   person, slot, seq = 0, 0, 0
   sent, created, retries, retried_same, retried_wrong, failed, exhausted = 0, 0, 0, 0, 0, 0, 0
   acked = {}
   statuses = {}
   last, last_id, retry_next, is_retry = nil, nil, false, false
end

local function uuid4()
   local r = math.random
   return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x", r(0, 0xffff), r(0, 0xffff),
      r(0, 0xffff), r(0, 0xfff), r(0x8000, 0xbfff), r(0, 0xffff), r(0, 0xffff), r(0, 0xffff))
end

function request()
   if retry_next and last ~= nil then
      retry_next, is_retry = false, true
      return last
   end
   is_retry = false
   person = person + 1
   if person > #tokens then
      person, slot = 1, slot + 1
   end
   if slot >= 4 then  -- every person has checked in four times: wrap (answers are then 400s)
      exhausted = exhausted + 1
      slot = 0
   end
   seq = seq + 1
   local temperature = (seq % abnormal_every == 0) and "38.1" or "36.5"
   local body = string.format('{"temperature": %s, "day": "%s", "half": %d, "key": "%s"}',
      temperature, days[math.floor(slot / 2) + 1], slot % 2, uuid4())
   last = wrk.format("POST", "/api/v1/workforce/checkin", {
      ["Authorization"] = "Bearer " .. tokens[person],
      ["Content-Type"] = "application/json",
   }, body)
   return last
end

function response(status, headers, body)
   local id = string.match(body, '"id":%s*(%d+)')
   statuses[status] = (statuses[status] or 0) + 1
   if is_retry then
      retries = retries + 1
      if status == 200 and id == last_id then
         retried_same = retried_same + 1
      else
         retried_wrong = retried_wrong + 1
      end
      return
   end
   sent = sent + 1
   if status == 201 then
      created = created + 1
      acked[#acked + 1] = id
      last_id = id
      retry_next = math.random() < retry_rate
   else
      failed = failed + 1
   end
end

function done(summary, latency, requests)
   local names = {"sent", "created", "retries", "retried_same", "retried_wrong", "failed",
                  "exhausted"}
   local totals = {}
   for _, name in ipairs(names) do totals[name] = 0 end
   local codes = {}
   local ids = io.open(os.getenv("WF_OUT") .. "/acked.txt", "w")
   for _, thread in ipairs(threads) do
      for _, name in ipairs(names) do
         totals[name] = totals[name] + thread:get(name)
      end
      for code, n in pairs(thread:get("statuses")) do
         codes[tostring(code)] = (codes[tostring(code)] or 0) + n
      end
      for _, id in ipairs(thread:get("acked")) do
         ids:write(id, "\n")
      end
   end
   ids:close()
   local parts = {}
   for _, name in ipairs(names) do
      parts[#parts + 1] = string.format('"%s": %d', name, totals[name])
   end
   local statuses_json = {}
   for code, n in pairs(codes) do
      statuses_json[#statuses_json + 1] = string.format('"%s": %d', code, n)
   end
   local e = summary.errors
   local out = io.open(os.getenv("WF_OUT") .. "/wrk.json", "w")
   out:write(string.format(
      '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
      '"statuses": {%s}, %s}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency.max, latency.mean,
      table.concat(statuses_json, ", "), table.concat(parts, ", ")))
   out:close()
end
