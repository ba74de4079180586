-- wrk script: rotates over the requests of a Lua data file written by the harness.
--   wrk -s rotate.lua URL -- DATAFILE METHOD
-- DATAFILE returns { {path = "/api/v1/...", body = "...", auth = "token"}, ... } (body, auth optional).
-- Each wrk thread starts at its own offset, so concurrent connections ask for different people
-- (as real clinics would) instead of hitting one hot row.

local entries, method, counter
local next_thread = 0

function setup(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  entries = dofile(args[1])
  method = args[2] or "GET"
  counter = (thread_no or 0) * 7919
end

function request()
  counter = counter + 1
  local e = entries[(counter % #entries) + 1]
  local headers = {}
  if e.body then headers["Content-Type"] = "application/json" end
  if e.auth then headers["Authorization"] = "Bearer " .. e.auth end
  return wrk.format(method, e.path, headers, e.body)
end
