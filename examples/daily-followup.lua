-- daily-followup.lua: the gentle nudge of followup.lua, every morning at 9,
-- by itself, under `pxscript watch` (or as a service that keeps it running).
--
--   pxscript watch examples/daily-followup.lua --trigger "morning nudge" --dry-run   -- who would get one now
--   pxscript service install examples/daily-followup.lua                             -- every morning, for good

px.cron("0 9 * * *", function()
  for conversation in px.conversations.awaiting{ on = "client", older_than = "3d" } do
    if px.once("followup:" .. conversation.id, "7d") then
      local client = conversation.participants[1]
      for _, person in ipairs(conversation.participants) do
        if person.type == "client" then client = person end
      end
      px.send(conversation.id, px.template.file("templates/followup.mustache", {
        first_name = client.name:match("^(%S+)") or client.name,
        subject = conversation.subject,
      }))
    end
  end
end, { name = "morning nudge" })
