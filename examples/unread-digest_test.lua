-- unread-digest_test.lua: unread-digest.lua lists what waits, tells you, and sends nothing.
--   pxscript test examples/unread-digest_test.lua
local t = px.test

t.scenario("lists each conversation with unread messages, and notifies you once", function(s)
  local a = s:conversation{ client = "Emma Wilson", subject = "Engagement shoot" }
  local b = s:conversation{ client = "Liam Chen", subject = "Family session" }
  s:client_writes(a, "Are you free in June?")
  s:client_writes(b, "Can we book the 12th?", { after = "1h" })
  local lines = s:run("unread-digest.lua")
  assert(lines == "2", "expected 2 lines, got " .. tostring(lines))
  s:expect_no_sends()
  local notes = s:notifications()
  assert(#notes == 1, "expected one notification, got " .. #notes)
  assert(notes[1].title:find("unread message"), notes[1].title)
  assert(notes[1].text:find("Liam Chen") and notes[1].text:find("Emma Wilson"), notes[1].text)
end)

t.scenario("nothing unread: no notification", function(s)
  s:run("unread-digest.lua")
  local notes = s:notifications()
  assert(#notes == 0, "expected no notification, got " .. #notes)
end)
