-- outreach_test.lua: who outreach.lua writes to, and that a second run writes to nobody.
--   pxscript test examples/outreach_test.lua
local t = px.test

t.scenario("families, newborns and maternity get the PDF once; others nothing", function(s)
  local family = s:conversation{ client = "Emma Wilson", subject = "Family session in the park" }
  local newborn = s:conversation{ client = "Liam Chen", subject = "Newborn photos" }
  local wedding = s:conversation{ client = "Mia Lopez", subject = "Wedding in May" }
  for _, c in ipairs{ family, newborn, wedding } do s:client_writes(c, "Hello!") end

  s:run("outreach.lua", { args = { "spring-minis-2026" } })
  s:expect_sent(family, { matching = "Hi Emma", attachments = { "Spring Mini Sessions.pdf" }, count = 1 })
  s:expect_sent(newborn, { matching = "Hi Liam", count = 1 })
  s:expect_no_sends()                                   -- nothing to the wedding client

  s:advance("1h"); s:run("outreach.lua", { args = { "spring-minis-2026" } })
  s:expect_no_sends()                                   -- the campaign's key: nobody twice
end)
