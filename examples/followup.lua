-- followup.lua: a gentle nudge to clients who have not answered for a while.
--
--   pxscript run examples/followup.lua --dry-run     -- see who would get one
--   pxscript run examples/followup.lua               -- send them
--   pxscript run examples/followup.lua -- 5          -- waiting 5 days instead of 3
--
-- Each conversation gets at most one nudge a week, however often this runs.

local days = tonumber(px.args[1]) or 3
local nudged = 0

for conversation in px.conversations.awaiting{ on = "client", older_than = days .. "d" } do
  if px.once("followup:" .. conversation.id, "7d") then
    local client = conversation.participants[1]
    for _, person in ipairs(conversation.participants) do
      if person.type == "client" then client = person end
    end
    local text = px.template.file("templates/followup.mustache", {
      first_name = client.name:match("^(%S+)") or client.name,
      subject = conversation.subject,
    })
    px.send(conversation.id, text)
    nudged = nudged + 1
  end
end

px.log.info("%d follow-up%s", nudged, nudged == 1 and "" or "s")
return nudged
