-- Mixed traffic for wrk: pages, the campaign slot, form answers posted to
-- the database, the statistics a dashboard reads, in one repeating cycle.
-- Sessions come from prepare.py (sessions.txt, analyst.txt in DIR).
local dir = os.getenv("LOAD_DIR") or "."
local sessions = {}
for line in io.lines(dir .. "/sessions.txt") do
  local cookie, token = line:match("^(.-)\t(.*)$")
  sessions[#sessions + 1] = { cookie = cookie, token = token }
end
local analyst = io.open(dir .. "/analyst.txt"):read("*l")
local form = "/forms/careers_advice_consultation/about_you"
local answers = { "young_person", "parent", "professional" }
local n = 0

local function get(path, cookie)
  return wrk.format("GET", path, cookie and { ["Cookie"] = cookie } or {}, nil)
end

local cycle = {
  function() return get("/") end,
  function() return get("/privacy") end,
  function() return get("/campaigns/slot/home") end,
  function(s)
    local body = "request_token=" .. s.token .. "&respondent=" .. answers[(n % 3) + 1]
    return wrk.format("POST", form, {
      ["Cookie"] = s.cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
  end,
  function() return get("/cookies") end,
  function(s) return get(form, s.cookie) end,
  function() return get("/staff/statistics.json", analyst) end,
  function() return get("/campaigns/slot/home.json") end,
  function() return get("/privacy.json") end,
  function() return get("/forms") end,
}

request = function()
  n = n + 1
  local s = sessions[(n % #sessions) + 1]
  return cycle[(n % #cycle) + 1](s)
end
