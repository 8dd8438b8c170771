-- welcome_test.lua: welcome.lua asks before it answers, and steps back when you answered first.
--   pxscript test examples/welcome_test.lua
local t = px.test

t.scenario("a new inquiry gets its welcome once you approve it", function(s)
  s:watch("welcome.lua")
  local c = s:conversation{ client = "Zoe Park", subject = "Pet portraits" }
  s:client_writes(c, "Hi! Do you photograph pets?")
  s:advance("1m")
  s:expect_no_sends()                                   -- it waits for you
  local waiting = s:approvals()
  assert(#waiting == 1 and waiting[1].conversation == c, "one request, for Zoe")
  s:approve(waiting[1].id)
  s:advance("1m")
  s:expect_sent(c, { matching = "Hi Zoe, thank you for getting in touch", count = 1 })
end)

t.scenario("withdrawn when you answered yourself first", function(s)
  s:watch("welcome.lua")
  local c = s:conversation{ client = "Zoe Park" }
  s:client_writes(c, "Hi! Do you photograph pets?")
  s:advance("1m")
  local id = s:approvals()[1].id
  s:studio_writes(c, "Hi Zoe, I do! Here is my pet guide.", { after = "10m" })
  s:approve(id)
  s:advance("1m")
  s:expect_no_sends()                                   -- your own answer went first
  assert(#s:approvals() == 0, "nothing waits any more")
end)
