-- after-hours_test.lua: after-hours.lua in the studio's zone.
--   pxscript test examples/after-hours_test.lua
local t = px.test

t.scenario("closed in the evening: says when the studio opens", function(s)
  s:at("2026-06-02 20:00")                              -- a Tuesday evening in Toronto
  s:watch("after-hours.lua")
  local c = s:conversation{ client = "Olivia Brown" }
  s:client_writes(c, "Can we move our session?")
  s:advance("1m")
  s:expect_sent(c, { matching = "we'll answer Wednesday at 09:00", count = 1 })

  s:client_writes(c, "Sorry, one more thing!", { after = "30m" })
  s:advance("1m")
  s:expect_no_sends()                                   -- at most once every 12 hours
end, { tz = "America/Toronto" })

t.scenario("open hours: no automatic answer", function(s)
  s:at("2026-06-03 11:00")                              -- Wednesday morning
  s:watch("after-hours.lua")
  local c = s:conversation{ client = "Olivia Brown" }
  s:client_writes(c, "Can we move our session?")
  s:advance("5m")
  s:expect_no_sends()
end, { tz = "America/Toronto" })
