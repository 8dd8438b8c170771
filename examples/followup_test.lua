-- followup_test.lua: what followup.lua sends, checked on a test studio.
--   pxscript test examples/followup_test.lua
local t = px.test

t.scenario("nudges once after 3 quiet days, again a week later", function(s)
  s:at("2026-06-01 10:00")
  local c = s:conversation{ client = "Emma Wilson", subject = "Engagement shoot" }
  s:client_writes(c, "Hi! Are you free in June?")
  s:studio_writes(c, "Yes! Shall I hold June 14th?", { after = "1h" })

  s:advance("1d"); s:run("followup.lua")
  s:expect_no_sends()                                   -- not quiet for 3 days yet

  s:advance("3d"); s:run("followup.lua")
  s:expect_sent(c, { matching = "Engagement shoot", count = 1 })

  s:advance("1d"); s:run("followup.lua")
  s:expect_no_sends()                                   -- once a week at most

  s:advance("7d"); s:run("followup.lua")
  s:expect_sent(c, { count = 1 })                       -- the second nudge
end)

t.scenario("no nudge when the client answered", function(s)
  local c = s:conversation{ client = "Liam Chen", subject = "Family session" }
  s:studio_writes(c, "Here are three dates that work for me.")
  s:client_writes(c, "The 12th is perfect, thanks!", { after = "2h" })
  s:advance("10d"); s:run("followup.lua")
  s:expect_no_sends()
end)
