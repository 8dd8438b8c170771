-- autoreply_test.lua: what autoreply.lua answers, on a test studio and a virtual clock.
--   pxscript test examples/autoreply_test.lua
local t = px.test

t.scenario("acknowledges a new message with the price guide, once a week per client", function(s)
  s:at("2026-06-01 10:00")
  s:watch("autoreply.lua")
  local c = s:conversation{ client = "Ava Brown", subject = "Newborn session" }
  s:client_writes(c, "Hello! Do you do newborn sessions?")
  s:advance("1m")
  s:expect_sent(c, { matching = "Hi Ava", attachments = { "Price guide.pdf" }, count = 1 })

  s:client_writes(c, "Also, do you work weekends?", { after = "1h" })
  s:advance("1m")
  s:expect_no_sends()                                   -- one acknowledgement a week

  s:client_writes(c, "Just following up!", { after = "8d" })
  s:advance("1m")
  s:expect_sent(c, { count = 1 })                       -- a week later, again
end)

t.scenario("each client gets their own acknowledgement", function(s)
  s:watch("autoreply.lua")
  local ava = s:conversation{ client = "Ava Brown" }
  local noah = s:conversation{ client = "Noah Smith" }
  s:client_writes(ava, "Hi there")
  s:client_writes(noah, "Hello!")
  s:advance("1m")
  s:expect_sent(ava, { matching = "Hi Ava", count = 1 })
  s:expect_sent(noah, { matching = "Hi Noah", count = 1 })
  s:expect_no_sends()
end)
