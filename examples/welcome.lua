-- welcome.lua: a first answer to each new inquiry, written for you and sent
-- only once you approve it. Nothing reaches a new client without your yes.
--
--   pxscript watch examples/welcome.lua      -- asks as inquiries come in
--   pxscript approvals                       -- what waits, with a preview
--   pxscript approve apr_…                   -- sent within one poll

px.on("message", function(event)
  if not event.first or event.answered then return end
  event:reply(px.template.render(
    "Hi {{name}}, thank you for getting in touch! I'd love to hear more about what you have in mind. " ..
    "Could you tell me the date and place you're thinking of?\n\n{{> templates/signature}}",
    { name = event.client.name:match("^(%S+)") or event.client.name }),
    { approve = true, expires = "1d" })
end)
