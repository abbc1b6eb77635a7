-- wrk script behind bench/run's small-object rows: the same client for ObjectStore, nginx and etcd.
--
--   wrk -t C -c C -d S --latency -s objects.lua URL -- put  <path-prefix> <path-suffix> <name-prefix> <size>
--   wrk -t C -c C -d S --latency -s objects.lua URL -- get  <path-prefix> <path-suffix> <size> <names-file> C verify|status
--   wrk -t C -c C -d S --latency -s objects.lua URL -- etcd <key-prefix-base64> <value-size>
--
-- One connection per thread (-t equal to -c): each thread has at most one request in flight, so the response in
-- response() is the answer to the thread's last request. That is what lets every PUT go to a distinct name whose
-- fate is known exactly (stored, or failed with its status) and every GET body be compared byte for byte with what
-- was PUT under its name ("verify"): a run that is fast because it fails or returns wrong bytes cannot pass as a fast one.
--
-- Object bodies: "<name>\n" followed by filler byte i = 33 + (i * 7919 + 13) % 94 (printable ASCII), cut to <size>
-- bytes. The name makes every body distinct (ObjectStore deduplicates equal content); the C# load generator builds
-- the same bytes (WrkBody in Wrk.cs) to check a sample out of band.
--
-- etcd: POST /v3/kv/put (JSON gateway), key = base64 prefix + 12 decimal digits of a per-thread counter after a
-- 4-character thread tag (all base64 characters, so every key is distinct bytes), value = <value-size> bytes.
--
-- done() prints one line "WRK-RESULT {json}" with wrk's counters, the latency percentiles and, per thread, how many
-- requests were answered 2xx and which were not (status counts, and for PUT the failed names' numbers).

local op, path_prefix, path_suffix, name_prefix, size
local names, next_name
local body_cache_name, body_cache -- GET: the expected body of the last name
local etcd_value                  -- etcd: the value, base64
local filler
local last_name     -- name of the request in flight
-- Globals, read by done() through thread:get():
tid = 0             -- set by setup()
pending = false     -- a request was sent and not answered yet
sent = 0            -- requests built by this thread
ok = 0              -- 2xx answers (GET: with exactly the expected body)
statuses = {}       -- other answers by status ("wrong-body" for a 2xx with other bytes)
failed = {}         -- PUT: numbers of the names that were not stored (at most 1000 kept)
failed_count = 0
unknown = {}        -- PUT: numbers of the names never answered: socket errors, and name 1 of thread 1, which wrk
                    -- builds only to check the script (at most 1000 kept)
unknown_count = 0

local function make_filler(n)
  local parts = {}
  for i = 0, n - 1 do
    parts[#parts + 1] = string.char(33 + (i * 7919 + 13) % 94)
  end
  return table.concat(parts)
end

local function body_for(name)
  local head = name .. "\n"
  if #head >= size then
    return head:sub(1, size)
  end
  return head .. filler:sub(1, size - #head)
end

-- ------------------------------------------------------------------------------------------------- setup (main state)
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

-- ------------------------------------------------------------------------------------------------ running (per thread)
function init(args)
  op = args[1]
  if op == "put" then
    path_prefix, path_suffix, name_prefix, size = args[2], args[3], args[4], tonumber(args[5])
    filler = make_filler(size)
  elseif op == "get" then
    path_prefix, path_suffix, size = args[2], args[3], tonumber(args[4])
    filler = make_filler(size)
    names = {}
    for line in io.lines(args[5]) do
      if #line > 0 then names[#names + 1] = line end
    end
    assert(#names > 0, "no names in " .. args[5])
    -- threads start spread over the list
    next_name = math.floor((tid - 1) * #names / math.max(1, tonumber(args[6] or "1"))) % #names
    if args[7] ~= "verify" then
      -- status only: without response() wrk does not hand headers and bodies to Lua (much cheaper); it still counts
      -- statuses >= 400 and the bytes received
      response = nil
    end
  elseif op == "etcd" then
    path_prefix, size = args[2], tonumber(args[3])
    local raw = make_filler(size)
    -- the value: base64 of a fixed size-byte string, computed once (any base64 text of length 4k is valid)
    local b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    local out = {}
    for i = 1, #raw, 3 do
      local a, b, c = raw:byte(i, i + 2)
      local n = a * 65536 + (b or 0) * 256 + (c or 0)
      local q = { math.floor(n / 262144) % 64, math.floor(n / 4096) % 64, math.floor(n / 64) % 64, n % 64 }
      out[#out + 1] = b64:sub(q[1] + 1, q[1] + 1) .. b64:sub(q[2] + 1, q[2] + 1)
        .. (b and b64:sub(q[3] + 1, q[3] + 1) or "=") .. (c and b64:sub(q[4] + 1, q[4] + 1) or "=")
    end
    etcd_value = table.concat(out)
  else
    error("unknown op '" .. tostring(op) .. "' (put, get or etcd)")
  end
end

local function note_unknown(n)
  unknown_count = unknown_count + 1
  if unknown_count <= 1000 then unknown[#unknown + 1] = n end
end

function request()
  if pending and op == "put" then
    note_unknown(sent) -- the previous request was never answered (wrk reconnected after a socket error)
  end
  pending = true
  sent = sent + 1
  if op == "put" then
    last_name = name_prefix .. tid .. "-" .. sent
    return wrk.format("PUT", path_prefix .. last_name .. path_suffix,
      { ["Content-Type"] = "application/octet-stream" }, body_for(last_name))
  elseif op == "get" then
    next_name = next_name % #names + 1
    last_name = names[next_name]
    return wrk.format("GET", path_prefix .. last_name .. path_suffix)
  else
    last_name = string.format("%s%04d%012d", path_prefix, tid, sent)
    return wrk.format("POST", "/v3/kv/put", { ["Content-Type"] = "application/json" },
      '{"key":"' .. last_name .. '","value":"' .. etcd_value .. '"}')
  end
end

function response(status, headers, body)
  pending = false
  local good = status >= 200 and status < 300
  if good and op == "get" then
    if body_cache_name ~= last_name then
      body_cache_name, body_cache = last_name, body_for(last_name)
    end
    if body ~= body_cache then
      good = false
      status = "wrong-body"
    end
  end
  if good then
    ok = ok + 1
  else
    local k = tostring(status)
    statuses[k] = (statuses[k] or 0) + 1
    if op == "put" then
      failed_count = failed_count + 1
      if failed_count <= 1000 then failed[#failed + 1] = sent end
    end
  end
end

-- ---------------------------------------------------------------------------------------------------- done (main state)
local function json_string(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local e = summary.errors
  local parts = {}
  local function add(k, v) parts[#parts + 1] = json_string(k) .. ":" .. v end
  add("durationUs", summary.duration)
  add("requests", summary.requests)
  add("bytes", summary.bytes)
  add("errors", string.format('{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
    e.connect, e.read, e.write, e.status, e.timeout))
  add("latencyUs", string.format('{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}',
    latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
  local ts = {}
  for _, t in ipairs(threads) do
    local st = {}
    for k, v in pairs(t:get("statuses") or {}) do st[#st + 1] = json_string(k) .. ":" .. v end
    local function list(name)
      local l = {}
      for _, n in ipairs(t:get(name) or {}) do l[#l + 1] = tostring(n) end
      return "[" .. table.concat(l, ",") .. "]"
    end
    ts[#ts + 1] = string.format(
      '{"tid":%d,"sent":%d,"ok":%d,"statuses":{%s},"failed":%s,"failedCount":%d,"unknown":%s,"unknownCount":%d,"lastAnswered":%s}',
      t:get("tid"), t:get("sent"), t:get("ok"), table.concat(st, ","), list("failed"), t:get("failed_count"),
      list("unknown"), t:get("unknown_count"), tostring(not t:get("pending")))
  end
  add("threads", "[" .. table.concat(ts, ",") .. "]")
  io.write("WRK-RESULT {" .. table.concat(parts, ",") .. "}\n")
end
