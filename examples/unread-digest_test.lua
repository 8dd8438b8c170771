-- unread-digest_test.lua: unread-digest.lua lists what waits, and sends nothing.
--   pxscript test examples/unread-digest_test.lua
local t = px.test

t.scenario("lists each conversation with unread messages", function(s)
  local a = s:conversation{ client = "Emma Wilson", subject = "Engagement shoot" }
  local b = s:conversation{ client = "Liam Chen", subject = "Family session" }
  s:client_writes(a, "Are you free in June?")
  s:client_writes(b, "Can we book the 12th?", { after = "1h" })
  local lines = s:run("unread-digest.lua")
  assert(lines == "2", "expected 2 lines, got " .. tostring(lines))
  s:expect_no_sends()
end)
