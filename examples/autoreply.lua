-- autoreply.lua: acknowledge every new client message that you have not
-- answered yet, with the price guide, at most once a week per client.
--
--   pxscript watch examples/autoreply.lua --dry-run --once   -- what it would do now
--   pxscript watch examples/autoreply.lua                    -- keep answering

px.on("message", function(event)
  if event.answered then return end              -- you already wrote back
  if not px.once("ack:" .. event.client.id, "7d") then return end

  local text = px.template.file("templates/autoreply.mustache", {
    first_name = event.client.name:match("^(%S+)") or event.client.name,
  })
  event:reply(text, {
    attachments = { { path = "files/spring-minis.pdf", filename = "Price guide.pdf" } },
  })
end, { max_age = "1d" })
