-- after-hours.lua: when a client writes while the studio is closed, say when
-- you will be back (at most once every 12 hours per conversation).
--
--   pxscript watch examples/after-hours.lua --tz America/Toronto

local open = px.hours("Mon-Fri 09:00-18:00; Sat 10:00-14:00")

px.on("message", function(event)
  local sent = px.time.parse(event.message.sent_at)
  if open:contains(sent) or event.answered then return end
  if not px.once("after-hours:" .. event.conversation.id, "12h") then return end
  event:reply(px.template.render(
    "Thanks {{name}}! The studio is closed right now; we'll answer {{when}}.\n\n{{> templates/signature}}",
    { name = event.client.name:match("^(%S+)") or event.client.name,
      when = px.time.format(open:next_open(sent), "%A at %H:%M") }))
end, { max_age = "1d" })
