-- vacation.lua: an out-of-office reply while you are away.
-- Edit the two dates (in your time zone: --tz, TZ or tz in the config), then:
--
--   pxscript watch examples/vacation.lua

local away = { from = "2026-02-27T00:00:00", back = "2026-03-09T00:00:00" }
local from, back = px.time.parse(away.from), px.time.parse(away.back)

px.on("message", function(event)
  local sent = px.time.parse(event.message.sent_at)
  if sent < from or sent >= back then return end
  -- One out-of-office per client per trip.
  if not px.once("vacation:" .. away.from .. ":" .. event.client.id) then return end
  event:reply(px.template.render(
    "Hi {{name}}, thanks for your message! I'm away until {{back}} with limited access to email. " ..
    "I'll get back to you as soon as I return.\n\n{{> templates/signature}}",
    { name = event.client.name:match("^(%S+)") or event.client.name, back = px.time.format(back, "%A %-d %B") }))
end)
