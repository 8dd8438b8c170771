-- vacation_test.lua: the out-of-office of vacation.lua, during the trip and after.
--   pxscript test examples/vacation_test.lua
local t = px.test

t.scenario("one out-of-office per client during the trip, none after", function(s)
  s:at("2026-03-01 10:00")
  s:watch("vacation.lua")
  local c = s:conversation{ client = "Mia Lopez", subject = "Wedding in May" }
  s:client_writes(c, "Are you free on May 16th?")
  s:advance("1m")
  s:expect_sent(c, { matching = "away until Monday 9 March", count = 1 })

  s:client_writes(c, "Also, do you travel?", { after = "2d" })
  s:advance("1m")
  s:expect_no_sends()                                   -- one per client per trip

  s:at("2026-03-10 09:00")
  s:client_writes(c, "Welcome back! Any news?")
  s:advance("1m")
  s:expect_no_sends()                                   -- back: no out-of-office
end)
